"""The in-app inbox: notifications recorded in the transaction of the change that causes them."""
