"""Distribution: a release to a media list over SMTP, each message accepted exactly once."""
