"""Stage one and two: newsroom files to one validated Newsroom, or every problem at once."""
