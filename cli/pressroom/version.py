"""The version of pressroom, in a module of its own so that any part can read it without the rest."""

__version__ = "0.1.0"
