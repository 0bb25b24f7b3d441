"""Write a realistic newsroom of N releases, and the same text as a Pelican (and Hugo) project.

The benchmark needs an archive far larger than the sample newsroom, and the
same words for every tool it compares, or the ratios say nothing. Everything
here comes from one `random.Random(seed)`, so a seed and a count always give
byte-identical files: two runs of the benchmark, on two machines, build the
same archive.

What a release holds, as the issue asks ("realistic"): about 600 words of
press-release prose in several paragraphs, 4–8 attendees with roles and
organisations, a Background section, 2 media contacts by id, 1–3 tags from a
small set, dates spread over 2019–2026. About 1 in 50 releases is a draft and
about 1 in 100 is embargoed (dated after `NOW`, the instant every benchmark
build is run at, so the embargo is really in force).

Contacts: 40 files, `contacts/bench-contact-00.yaml` … `bench-contact-39.yaml`.
`bench-contact-00` is named by exactly 10 releases (all of them when there are
fewer than 10), spread evenly through the archive: the benchmark edits it to
time a rebuild that touches 10 releases. No other release names it. The other
39 are named in turn, so from 20 releases up each is named at least once.

The prose is built from phrase lists rather than lorem ipsum so that Markdown,
hyphenation and PDF line breaking see ordinary English of ordinary length.

Usage:
    python bench/generate.py OUT --count 1000 [--seed 1] [--pelican DIR] [--hugo DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

# The instant every benchmark build is run at (`pressroom build --now NOW`): fixed, so
# which releases are public, drafts or under embargo never depends on the day.
NOW = "2026-06-01T12:00:00+02:00"
TIMEZONE = "Europe/Brussels"
CONTACTS = 40
HOT_CONTACT = "bench-contact-00"  # named by exactly 10 releases
HOT_USES = 10
NAME = "Press Office of the Partnership for Peace and Development"
BOILERPLATE = (
    "The Partnership for Peace and Development brings together international organisations, "
    "governments and civil society to prevent conflict, protect civilians and support "
    "sustainable development. It publishes its press releases, statements and background "
    "notes in this newsroom."
)

TAGS = (
    "security", "climate", "health", "humanitarian", "human-rights",
    "trade", "migration", "digital", "multilateralism", "development",
)  # fmt: skip

ORGS = (
    "European Union", "United Nations", "African Union", "Council of Europe",
    "Organization for Security and Co-operation in Europe", "World Health Organization",
    "United Nations Children's Fund", "UN Refugee Agency", "World Bank",
    "International Labour Organization", "Association of Southeast Asian Nations",
    "European Investment Bank", "United Nations Development Programme", "World Food Programme",
    "Food and Agriculture Organization", "European Commission", "International Organization for Migration",
    "Organisation for Economic Co-operation and Development", "Inter-American Development Bank",
    "League of Arab States",
)  # fmt: skip

TOPICS = (
    "maritime security", "climate adaptation", "food security", "digital connectivity",
    "humanitarian access", "small arms control", "the protection of cultural heritage",
    "public health preparedness", "women's participation in mediation", "the rule of law",
    "election observation", "migration governance", "renewable energy", "disaster risk reduction",
    "counter-terrorism", "cyber resilience", "water management", "education for displaced children",
    "customs cooperation", "the fight against corruption",
)  # fmt: skip

REGIONS = (
    "the Sahel", "the Western Balkans", "Central Asia", "the Horn of Africa",
    "Latin America and the Caribbean", "the Eastern Partnership countries", "South-East Asia",
    "the Gulf of Guinea", "the Pacific", "the Middle East", "North Africa", "the Great Lakes region",
)  # fmt: skip

CITIES = (
    "Brussels", "Geneva", "New York", "Addis Ababa", "Nairobi", "Vienna", "Strasbourg",
    "Luxembourg", "Dakar", "Jakarta", "Panama City", "Tbilisi", "Bangkok", "Amman",
)  # fmt: skip

FIRST = (
    "Helena", "Ruth", "Mamadou", "Rodrigo", "Joost", "Inês", "Paolo", "Kwame", "Mariama", "Lena",
    "Ibrahim", "Sylvie", "Adaeze", "Jean-Baptiste", "Yaw", "Anna", "Tomás", "Leila", "Hiroshi",
    "Marta", "Olena", "Samuel", "Fatima", "Niamh", "Arjun", "Chiara", "Dmitri", "Amina", "Pedro",
    "Sofia", "Kofi", "Ingrid", "Rania", "Mateus", "Elif", "Thandiwe", "Lucas", "Nadia", "Ewa",
)  # fmt: skip

LAST = (
    "Marquardt", "Kamau", "Faye", "Valente", "Verhaegen", "Albuquerque", "Ferrandi", "Oduro",
    "Sesay", "Holmqvist", "Kaboré", "Ondoua", "Nwachukwu", "Mbarga", "Boateng", "Lindqvist",
    "Herrera", "Haddad", "Tanaka", "Kowalska", "Shevchenko", "Mensah", "Benali", "O'Connor",
    "Raman", "Bellini", "Volkov", "Diallo", "Santos", "Papadopoulou", "Asante", "Nilsen",
    "Khoury", "Pereira", "Yılmaz", "Dlamini", "Moreau", "Rahimi", "Nowak",
)  # fmt: skip

PREFIXES = ("", "", "", "", "Ambassador ", "Dr ", "Professor ", "General ")

ROLES = (
    "Secretary-General", "Deputy Secretary-General", "Director for {topic}",
    "Head of Delegation", "Special Representative for {region}", "Minister for Foreign Affairs",
    "Senior Adviser on {topic}", "Head of Unit for {topic}", "Chief of Staff",
    "Regional Director for {region}", "Commissioner for International Partnerships",
    "Permanent Representative", "Executive Director", "Special Envoy for {region}",
)  # fmt: skip

LEADS = (
    "today agreed to strengthen their cooperation on",
    "today launched a joint programme on",
    "today signed a memorandum of understanding on",
    "today held their annual high-level dialogue on",
    "today announced new funding for",
    "today reviewed the progress of their joint work on",
)  # fmt: skip

EVENTS = (
    "high-level dialogue", "ministerial meeting", "joint steering committee",
    "regional conference", "partnership forum", "technical working group",
)  # fmt: skip

SENTENCES = (
    "The {event} brought together senior officials from the {org} and the {org2} to discuss {topic} "
    "in {region}.",
    "Participants welcomed the progress made since {year} and agreed that {topic} remains a shared "
    "priority for the years ahead.",
    "Under the new arrangement, the {org} will provide {amount} million euros over {years} years to "
    "support programmes on {topic} in {region}.",
    "The programme will focus on three areas: {topic}, {topic2} and the training of local officials.",
    "Both sides underlined the importance of national ownership, of transparency towards citizens and "
    "of close coordination with civil society organisations.",
    "A first progress report is expected in {month} {year2}, and a review of the programme will follow "
    "two years later.",
    "The meeting also addressed {topic2}, where the partners see a growing need for joint analysis and "
    "early warning.",
    "Delegations heard from experts working in {region}, who described both the results achieved so far "
    "and the obstacles that remain.",
    "The partners agreed to share information more regularly, to align their funding instruments and to "
    "avoid duplication on the ground.",
    "Several speakers stressed that lasting results depend on the participation of women and young "
    "people at every stage.",
    "The {org2} will host the next meeting of the {event} in {city} in {month} {year2}.",
    "Officials noted that {amount} local organisations have already taken part in earlier phases of the "
    "cooperation.",
    "The discussions also covered the protection of civilians, respect for international humanitarian "
    "law and the safety of aid workers.",
    "According to figures presented at the meeting, more than {amount} thousand people benefited from "
    "joint projects on {topic} last year.",
)  # fmt: skip

QUOTES = (
    "No single organisation can address {topic} alone. Today's agreement shows what partnership can "
    "achieve when we pool our expertise and our resources.",
    "We owe it to the people of {region} to turn commitments into results they can see in their daily "
    "lives. This is what today's decisions are about.",
    "Our cooperation on {topic} has matured over the years. We now have the trust, the tools and the "
    "funding to go further, and we intend to do so.",
    "The challenges are serious, but so is our resolve. The {org} will stay the course for as long as "
    "our partners want us there.",
)  # fmt: skip

BACKGROUND = (
    "The cooperation between the {org} and the {org2} on {topic} began in {year}, with a first joint "
    "assessment of needs in {region}.",
    "Since then, the partners have funded projects in more than {years} countries, worked with national "
    "authorities and civil society, and published regular reports on the results.",
    "The {event} meets once a year, alternating between {city} and {city2}.",
    "Its work is guided by the relevant resolutions of the United Nations General Assembly and by the "
    "partners' own strategies on {topic2}.",
)  # fmt: skip

MONTHS = (
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December",
)  # fmt: skip

FIRST_DAY = date(2019, 1, 7)
LAST_DAY = date(2026, 5, 29)  # before NOW: every approved release without an embargo is public


@dataclass(frozen=True)
class Person:
    name: str
    role: str
    organization: str


@dataclass(frozen=True)
class Release:
    """One generated release: what both the newsroom file and the Pelican file are written from."""

    slug: str
    title: str
    day: date
    location: str
    status: str
    embargo: datetime | None
    tags: tuple[str, ...]
    attendees: tuple[Person, ...]
    paragraphs: tuple[str, ...]
    background: tuple[str, ...]
    contacts: tuple[str, ...]


def _fill(rng: random.Random, template: str, topic: str, region: str, org: str) -> str:
    return template.format(
        topic=topic,
        topic2=rng.choice([t for t in TOPICS if t != topic]),
        region=region,
        org=org,
        org2=rng.choice([o for o in ORGS if o != org]),
        event=rng.choice(EVENTS),
        year=rng.randint(2008, 2018),
        year2=rng.randint(2027, 2029),
        month=rng.choice(MONTHS),
        amount=rng.choice((12, 25, 40, 60, 85, 120, 150)),
        years=rng.choice((3, 4, 5, 12, 20)),
        city=rng.choice(CITIES),
        city2=rng.choice(CITIES),
    )


def _person(rng: random.Random, topic: str, region: str) -> Person:
    role = rng.choice(ROLES).format(topic=topic, region=region)
    return Person(
        name=f"{rng.choice(PREFIXES)}{rng.choice(FIRST)} {rng.choice(LAST)}",
        role=role,
        organization=rng.choice(ORGS),
    )


def _slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _hot_indices(count: int) -> set[int]:
    """The releases that name HOT_CONTACT: 10 of them, spread evenly (all, below 10)."""
    return {k * count // HOT_USES for k in range(HOT_USES)} if count >= HOT_USES else set(range(count))


def releases(count: int, seed: int = 1) -> list[Release]:
    """The archive as data, oldest first; the same count and seed always give the same list."""
    rng = random.Random(seed)
    span = (LAST_DAY - FIRST_DAY).days
    hot = _hot_indices(count)
    tz = ZoneInfo(TIMEZONE)
    now = datetime.fromisoformat(NOW)
    out: list[Release] = []
    seen: set[str] = set()
    for i in range(count):
        topic, region = rng.choice(TOPICS), rng.choice(REGIONS)
        org = rng.choice(ORGS)
        partner = rng.choice([o for o in ORGS if o != org])
        lead = rng.choice(LEADS)
        title = f"{org} and {partner} {lead.removeprefix('today ')} {topic} in {region}"
        title = title[0].upper() + title[1:]
        # Roughly 1 in 100 embargoed (dated just after NOW), 1 in 50 a draft.
        roll = rng.random()
        embargo = None
        if roll < 0.01:
            day = now.date() + timedelta(days=rng.randint(1, 30))
            embargo = datetime(day.year, day.month, day.day, 10, 0, tzinfo=tz)
        else:
            day = FIRST_DAY + timedelta(days=i * span // max(count - 1, 1))
        status = "draft" if 0.01 <= roll < 0.03 else "approved"
        people = tuple(_person(rng, topic, region) for _ in range(rng.randint(4, 8)))

        paragraphs = [
            f"The {org} and the {partner} {lead} {topic} in {region}. The decision was taken at a "
            f"{rng.choice(EVENTS)} of the two organisations, attended by {len(people)} senior officials."
        ]
        words = len(paragraphs[0].split())
        quoted = 0
        while words < 600:
            sentences = [_fill(rng, s, topic, region, org) for s in rng.sample(SENTENCES, rng.randint(3, 5))]
            if quoted < 2 and rng.random() < 0.5:
                who = people[quoted]
                quote = _fill(rng, rng.choice(QUOTES), topic, region, who.organization)
                sentences.append(f'"{quote[:-1]}," said {who.name}, {who.role}, {who.organization}.')
                quoted += 1
            paragraph = " ".join(sentences)
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        background = tuple(
            " ".join(_fill(rng, s, topic, region, org) for s in pair)
            for pair in (BACKGROUND[:2], BACKGROUND[2:])
        )
        # The others in turn, so that from 20 releases up every contact is named by some
        # release (pressroom check warns about a contact that no release names).
        others = (1 + (2 * i) % (CONTACTS - 1), 1 + (2 * i + 1) % (CONTACTS - 1))
        contacts = (
            (HOT_CONTACT, f"bench-contact-{others[0]:02d}")
            if i in hot
            else tuple(f"bench-contact-{n:02d}" for n in others)
        )
        words_of_title = _slugify(title).split("-")
        while len("-".join(words_of_title)) > 60:
            words_of_title.pop()
        slug = f"{day.isoformat()}-{'-'.join(words_of_title)}"
        if slug in seen:
            slug = f"{slug}-{i}"
        seen.add(slug)
        out.append(
            Release(
                slug=slug,
                title=title,
                day=day,
                location=rng.choice(CITIES),
                status=status,
                embargo=embargo,
                tags=tuple(sorted(rng.sample(TAGS, rng.randint(1, 3)))),
                attendees=people,
                paragraphs=tuple(paragraphs),
                background=background,
                contacts=contacts,
            )
        )
    return out


def contacts(seed: int = 1) -> dict[str, dict[str, str]]:
    """The 40 contact files' fields, by id."""
    rng = random.Random(seed + 1_000_003)  # its own stream: the count never shifts the contacts
    out: dict[str, dict[str, str]] = {}
    for n in range(CONTACTS):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user = _slugify(f"{first}.{last}").replace("-", ".")
        out[f"bench-contact-{n:02d}"] = {
            "name": f"{first} {last}",
            "role": f"Press Officer for {rng.choice(TOPICS)}",
            "organization": rng.choice(ORGS),
            "city": rng.choice(CITIES),
            "email": f"{user}.{n:02d}@example.org",
            "phone": f"+32 2 555 {n:02d} {rng.randint(10, 99)}",
        }
    return out


def _q(text: str) -> str:
    """A YAML double-quoted scalar: JSON strings are valid YAML and need no thought about ':' or '#'."""
    return json.dumps(text, ensure_ascii=False)


def _release_file(r: Release) -> str:
    lines = [
        "---",
        f"title: {_q(r.title)}",
        f"date: {r.day.isoformat()}",
        f"location: {_q(r.location)}",
        "language: en",
        f"status: {r.status}",
    ]
    if r.embargo is not None:
        lines.append(f"embargo: {r.embargo.isoformat()}")
    lines.append(f"tags: [{', '.join(r.tags)}]")
    lines.append("attendees:")
    for p in r.attendees:
        lines += [
            f"  - name: {_q(p.name)}",
            f"    role: {_q(p.role)}",
            f"    organization: {_q(p.organization)}",
        ]
    lines.append("background: |")
    for i, paragraph in enumerate(r.background):
        if i:
            lines.append("")
        lines.append(f"  {paragraph}")
    lines.append("contacts:")
    lines += [f"  - {c}" for c in r.contacts]
    lines.append("---")
    return "\n".join(lines) + "\n" + "\n\n".join(r.paragraphs) + "\n"


def _contact_file(fields: dict[str, str]) -> str:
    return "".join(f"{key}: {_q(value)}\n" for key, value in fields.items())


def _toml() -> str:
    return f'''# Generated by bench/generate.py: a benchmark newsroom, not real releases.
name = "{NAME}"
url = "https://press.example.org/"
language = "en-GB"
timezone = "{TIMEZONE}"
location = "Brussels"
end_mark = "###"
boilerplate = """{BOILERPLATE}"""

[email]
from = "Press Office <press@example.org>"
'''


def _contact_line(fields: dict[str, str]) -> str:
    return (
        f"- **{fields['name']}**, {fields['role']}, {fields['organization']}, {fields['city']}: "
        f"{fields['email']}, {fields['phone']}"
    )


def _markdown_body(r: Release, people: dict[str, dict[str, str]]) -> str:
    """What pressroom shows of a release, as one Markdown document for a generic site generator."""
    dateline = f"{r.location}, {r.day.day} {MONTHS[r.day.month - 1]} {r.day.year} – "
    parts = [dateline + r.paragraphs[0], *r.paragraphs[1:], "## Attendees"]
    parts.append("\n".join(f"- **{p.name}**, {p.role}, {p.organization}" for p in r.attendees))
    parts += ["## Background", *r.background, "## Media contacts"]
    parts.append("\n".join(_contact_line(people[c]) for c in r.contacts))
    parts += [f"## About the {NAME.removeprefix('Press Office of the ')}", BOILERPLATE]
    return "\n\n".join(parts) + "\n"


def _pelican_file(r: Release, people: dict[str, dict[str, str]]) -> str:
    moment = r.embargo or datetime(r.day.year, r.day.month, r.day.day, 9, 0)
    head = [
        f"Title: {r.title}",
        f"Date: {moment:%Y-%m-%d %H:%M}",
        f"Tags: {', '.join(r.tags)}",
        f"Slug: {r.slug}",
        f"Summary: {r.paragraphs[0]}",
    ]
    if r.status == "draft":
        head.append("Status: draft")
    return "\n".join(head) + "\n\n" + _markdown_body(r, people)


# Pelican as a newsroom would set it up: release URLs like pressroom's, no feeds (pressroom
# writes none), everything else Pelican's defaults (default theme, tag, category and
# archive pages). The cached variant turns on Pelican's content cache at the generator
# layer, its fastest: parsed articles are reused when a file's mtime has not changed.
PELICANCONF = """# Generated by bench/generate.py
AUTHOR = "Press Office"
SITENAME = {name!r}
SITEURL = ""
PATH = "content"
TIMEZONE = {tz!r}
DEFAULT_LANG = "en"
ARTICLE_URL = "releases/{{slug}}/"
ARTICLE_SAVE_AS = "releases/{{slug}}/index.html"
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
DEFAULT_PAGINATION = False
CACHE_CONTENT = {cache}
LOAD_CONTENT_CACHE = {cache}
CONTENT_CACHING_LAYER = "generator"
CHECK_MODIFIED_METHOD = "mtime"
"""

# Hugo with the smallest layouts that print the same text: a page per release and a listing
# per section and tag. No theme: the benchmark measures the engine, not a theme's extras.
HUGO_CONFIG = """baseURL = "https://press.example.org/"
title = "{name}"
disableKinds = ["RSS", "sitemap", "robotsTXT", "404"]
buildDrafts = true  # pressroom builds drafts and embargoed releases too, for staff
buildFuture = true
[permalinks]
  releases = "/releases/:slug/"
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head>'
        '<body>{{ block "main" . }}{{ end }}</body></html>\n'
    ),
    "_default/single.html": (
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }}</p>'
        "{{ .Content }}</article>{{ end }}\n"
    ),
    "_default/list.html": (
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .Pages }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    ),
}


def generate(
    root: Path,
    count: int,
    seed: int = 1,
    *,
    pelican: Path | None = None,
    hugo: Path | None = None,
) -> None:
    """Write a newsroom of `count` releases into `root`; with `pelican`/`hugo`, the same text there too.

    `root` gets pressroom.toml, contacts/ and releases/ (no templates/: the
    built-in house style is what is measured). Existing files of the same
    names are overwritten; nothing else is removed.
    """
    archive = releases(count, seed)
    people = contacts(seed)
    (root / "releases").mkdir(parents=True, exist_ok=True)
    (root / "contacts").mkdir(exist_ok=True)
    (root / "pressroom.toml").write_text(_toml(), encoding="utf-8")
    for ident, fields in people.items():
        (root / "contacts" / f"{ident}.yaml").write_text(_contact_file(fields), encoding="utf-8")
    for r in archive:
        (root / "releases" / f"{r.slug}.md").write_text(_release_file(r), encoding="utf-8")
    if pelican is not None:
        (pelican / "content").mkdir(parents=True, exist_ok=True)
        for name, cache in (("pelicanconf.py", False), ("pelicanconf_cached.py", True)):
            text = PELICANCONF.format(name=NAME, tz=TIMEZONE, cache=cache)
            (pelican / name).write_text(text, encoding="utf-8")
        for r in archive:
            (pelican / "content" / f"{r.slug}.md").write_text(_pelican_file(r, people), encoding="utf-8")
    if hugo is not None:
        (hugo / "content" / "releases").mkdir(parents=True, exist_ok=True)
        (hugo / "hugo.toml").write_text(HUGO_CONFIG.format(name=NAME), encoding="utf-8")
        for rel, text in HUGO_LAYOUTS.items():
            (hugo / "layouts" / rel).parent.mkdir(parents=True, exist_ok=True)
            (hugo / "layouts" / rel).write_text(text, encoding="utf-8")
        for r in archive:
            moment = r.embargo or datetime(
                r.day.year, r.day.month, r.day.day, 9, 0, tzinfo=ZoneInfo(TIMEZONE)
            )
            head = (
                f"---\ntitle: {_q(r.title)}\ndate: {moment.isoformat()}\nslug: {r.slug}\n"
                f"tags: [{', '.join(r.tags)}]\ndraft: {str(r.status == 'draft').lower()}\n---\n"
            )
            text = head + _markdown_body(r, people)
            (hugo / "content" / "releases" / f"{r.slug}.md").write_text(text, encoding="utf-8")


def hot_releases(count: int, seed: int = 1) -> list[str]:
    """Slugs of the releases that name HOT_CONTACT (10 of them)."""
    return [r.slug for r in releases(count, seed) if HOT_CONTACT in r.contacts]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="folder for the newsroom (made if missing)")
    parser.add_argument("--count", type=int, default=1000, help="number of releases (default 1000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pelican", type=Path, help="also write the same text as a Pelican project here")
    parser.add_argument("--hugo", type=Path, help="also write the same text as a Hugo site here")
    args = parser.parse_args(argv)
    generate(args.out, args.count, args.seed, pelican=args.pelican, hugo=args.hugo)
    print(f"{args.count} releases and {CONTACTS} contacts written to {args.out}")


if __name__ == "__main__":
    main()
