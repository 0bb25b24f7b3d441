"""Stage three: validated objects in, page text, PDF bytes and email messages out; no disk."""
