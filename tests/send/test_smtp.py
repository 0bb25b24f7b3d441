"""The SMTP side without a server: [smtp] settings, where the password comes from, rate and back-off."""

from __future__ import annotations

import keyring
import keyring.backend
import keyring.errors
import pytest

from helpers import SETTINGS
from pressroom.errors import ConfigError, ContentError
from pressroom.send.config import PASSWORD_ENV, SmtpSettings, find_password, load_smtp_settings
from pressroom.send.smtp import RateLimit, Retry, _dot_stuffed


class FakeClock:
    def __init__(self):
        self.t = 100.0
        self.sleeps = []

    def monotonic(self):
        return self.t

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 6))
        self.t += seconds


def smtp_problems(make_newsroom, table):
    root = make_newsroom(settings=SETTINGS + table)
    with pytest.raises(ContentError) as caught:
        load_smtp_settings(root)
    return [str(p) for p in caught.value.problems]


def test_no_smtp_table_means_no_settings(make_newsroom):
    assert load_smtp_settings(make_newsroom()) is None


def test_defaults_follow_the_security_chosen(make_newsroom):
    root = make_newsroom(
        settings=SETTINGS + '\n[smtp]\nhost = "smtp.example.org"\nuser = "press@example.org"\n'
    )
    settings = load_smtp_settings(root)
    assert settings == SmtpSettings(
        "smtp.example.org", 587, "starttls", "press@example.org", 30, PASSWORD_ENV
    )
    assert (
        settings.describe() == "smtp.example.org:587, STARTTLS, login press@example.org, at most 30 a minute"
    )
    tls = make_newsroom(settings=SETTINGS + '\n[smtp]\nhost = "smtp.example.org"\nsecurity = "tls"\n')
    assert load_smtp_settings(tls).port == 465
    relay = make_newsroom(
        settings=SETTINGS + '\n[smtp]\nhost = "localhost"\nsecurity = "none-local-relay-only"\n'
    )
    assert load_smtp_settings(relay).describe() == (
        "localhost:25, no encryption (local relay), no login, at most 30 a minute"
    )


def test_every_bad_smtp_setting_is_reported_with_its_line(make_newsroom):
    table = """
[smtp]
host = "smtp example org"
port = 0
security = "startls"
rate_per_minute = true
password_env = "PRESSROOM PASSWORD"
password = "hunter2"
hots = "smtp.example.org"
"""
    # SETTINGS is 10 lines, so [smtp] is on line 12.
    assert smtp_problems(make_newsroom, table) == [
        "pressroom.toml:13: smtp.host: expected a host name such as 'smtp.example.org', found 'smtp example org'",
        "pressroom.toml:14: smtp.port: expected a port number from 1 to 65535, found 0",
        "pressroom.toml:15: smtp.security: expected one of 'starttls', 'tls', 'none-local-relay-only', found 'startls' (did you mean 'starttls'?)",
        "pressroom.toml:16: smtp.rate_per_minute: expected a number of messages a minute from 1 to 6000, found True",
        "pressroom.toml:17: smtp.password_env: expected an environment variable name, found 'PRESSROOM PASSWORD'",
        "pressroom.toml:18: smtp.password: the password never goes in pressroom.toml: set the environment variable PRESSROOM PASSWORD, or store it in the system keyring",
        "pressroom.toml:19: smtp.hots: unknown setting (did you mean 'host'?)",
    ]


def test_timeouts_have_defaults_and_are_checked(make_newsroom):
    table = '\n[smtp]\nhost = "smtp.example.org"\n'
    settings = load_smtp_settings(make_newsroom(settings=SETTINGS + table))
    assert (settings.connect_timeout, settings.read_timeout) == (30.0, 60.0)
    quick = load_smtp_settings(
        make_newsroom(settings=SETTINGS + table + "connect_timeout = 5\nread_timeout = 2.5\n")
    )
    assert (quick.connect_timeout, quick.read_timeout) == (5.0, 2.5)
    assert smtp_problems(make_newsroom, table + 'connect_timeout = 0\nread_timeout = "1m"\n') == [
        "pressroom.toml:14: smtp.connect_timeout: expected a number of seconds from 0.1 to 3600, found 0",
        "pressroom.toml:15: smtp.read_timeout: expected a number of seconds from 0.1 to 3600, found '1m'",
    ]


def test_a_final_line_break_does_not_pass_for_a_host_or_a_variable_name(make_newsroom):
    # Refused before the name patterns, which also match whole values only (`\Z`, not `$`).
    table = '\n[smtp]\nhost = "smtp.example.org\\n"\npassword_env = "PRESSROOM_PASSWORD\\n"\n'
    assert smtp_problems(make_newsroom, table) == [
        "pressroom.toml:13: smtp.host: expected text on one line, found 'smtp.example.org\\n'",
        "pressroom.toml:14: smtp.password_env: expected text on one line, found 'PRESSROOM_PASSWORD\\n'",
    ]


def test_host_is_required(make_newsroom):
    assert smtp_problems(make_newsroom, "\n[smtp]\nport = 587\n") == [
        "pressroom.toml:12: smtp.host: field required: the mail server's name, e.g. 'smtp.example.org'"
    ]
    root = make_newsroom(settings='smtp = "smtp.example.org"\n' + SETTINGS)
    with pytest.raises(ContentError) as caught:
        load_smtp_settings(root)
    assert [str(p) for p in caught.value.problems] == ["pressroom.toml:1: smtp: expected a table: [smtp]"]


def test_clear_text_only_to_this_machine_and_never_with_a_login(make_newsroom):
    table = '\n[smtp]\nhost = "relay.example.org"\nsecurity = "none-local-relay-only"\nuser = "press"\n'
    assert smtp_problems(make_newsroom, table) == [
        "pressroom.toml:14: smtp.security: 'none-local-relay-only' sends without encryption and is only for a relay on this machine (localhost, 127.0.0.1 or ::1), not 'relay.example.org'; use 'starttls' or 'tls'",
        "pressroom.toml:15: smtp.user: no login without encryption: with security = 'none-local-relay-only' the password would cross in clear text; remove user, or use 'starttls' or 'tls'",
    ]
    for host in ("127.0.0.1", "127.0.0.53", "::1", "localhost"):
        root = make_newsroom(
            settings=SETTINGS + f'\n[smtp]\nhost = "{host}"\nsecurity = "none-local-relay-only"\n'
        )
        assert load_smtp_settings(root).host == host


class StubKeyring(keyring.backend.KeyringBackend):
    priority = 1

    def __init__(self, passwords=None, broken=False):
        super().__init__()
        self.passwords = passwords or {}
        self.broken = broken
        self.asked = []

    def get_password(self, service, username):
        self.asked.append((service, username))
        if self.broken:
            raise keyring.errors.KeyringLocked("the keyring is locked")
        return self.passwords.get((service, username))

    def set_password(self, service, username, password):
        raise NotImplementedError

    def delete_password(self, service, username):
        raise NotImplementedError


@pytest.fixture
def stub_keyring():
    previous = keyring.get_keyring()
    stub = StubKeyring({("pressroom:smtp.example.org", "press@example.org"): "from-keyring"})
    keyring.set_keyring(stub)
    yield stub
    keyring.set_keyring(previous)


SMTP = SmtpSettings("smtp.example.org", 587, "starttls", "press@example.org")


def test_the_password_comes_from_the_environment_first(stub_keyring):
    assert find_password(SMTP, {PASSWORD_ENV: "from-env"}) == "from-env"
    assert stub_keyring.asked == []


def test_the_password_comes_from_the_keyring_otherwise(stub_keyring):
    assert find_password(SMTP, {}) == "from-keyring"
    assert stub_keyring.asked == [("pressroom:smtp.example.org", "press@example.org")]


def test_a_named_variable_replaces_the_default_one(stub_keyring):
    settings = SmtpSettings("smtp.example.org", 587, user="press@example.org", password_env="OFFICE_SMTP")
    assert find_password(settings, {"OFFICE_SMTP": "office", PASSWORD_ENV: "not this"}) == "office"


def test_no_password_anywhere_says_where_to_put_one(stub_keyring):
    other = SmtpSettings("mail.example.org", 587, user="press@example.org")
    with pytest.raises(ConfigError) as caught:
        find_password(other, {})
    assert str(caught.value) == (
        "no SMTP password: set PRESSROOM_SMTP_PASSWORD, or store it with "
        "`keyring set pressroom:mail.example.org press@example.org`"
    )
    stub_keyring.broken = True
    with pytest.raises(ConfigError, match="keyring failed: the keyring is locked"):
        find_password(SMTP, {})


def test_no_login_needs_no_password(stub_keyring):
    assert find_password(SmtpSettings("localhost", 25, "none-local-relay-only"), {}) is None
    assert stub_keyring.asked == []


def test_the_rate_limit_spaces_transactions_evenly():
    clock = FakeClock()
    rate = RateLimit(6, clock)
    rate.wait()  # the first one goes at once
    clock.t += 4  # four seconds of work
    rate.wait()
    rate.wait()
    clock.t += 30  # a pause longer than the interval owes nothing
    rate.wait()
    assert clock.sleeps == [6.0, 10.0]


def test_back_off_doubles_up_to_a_ceiling():
    assert [Retry().delay(n) for n in range(1, 6)] == [5.0, 10.0, 20.0, 40.0, 80.0]
    assert Retry(first_delay=30, max_delay=60).delay(4) == 60.0


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"a\r\n.b\r\n", b"a\r\n..b\r\n.\r\n"),
        (b".\r\nend", b"..\r\nend\r\n.\r\n"),
        (b"lone\nfeeds\rhere\r\n", b"lone\r\nfeeds\r\nhere\r\n.\r\n"),
    ],
)
def test_data_is_dot_stuffed_with_crlf_line_ends(data, expected):
    assert _dot_stuffed(data) == expected
