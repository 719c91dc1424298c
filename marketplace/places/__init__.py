"""The place tree: subdistrict > community > grid > space > zone, plus sharing stations."""
