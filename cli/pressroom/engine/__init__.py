"""Stage four: plan the outputs due, render them, and commit them to build/."""
