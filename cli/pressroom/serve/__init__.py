"""Preview: the staff newsroom on 127.0.0.1, rebuilt on every save."""
