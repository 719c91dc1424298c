"""Keeping listings clean: moderation policy, prohibited words, reports, queue, audit log."""
