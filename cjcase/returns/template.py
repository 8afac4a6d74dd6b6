"""Return templates: TOML files naming a return's measures or columns, labels and formats."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cjcase.domain.errors import TemplateError
from cjcase.returns.measures import MEASURES
from cjcase.returns.ndtms_top import TOP_EXTRACT_COLUMNS
from cjcase.store.resources import resource_dir

KINDS = ("aggregate", "extract")
DEFAULT_SUPPRESSION = 5  # NDTMS public tables: counts of 1 to 4 are hidden
# The keys a template may hold, at the top and in each entry; anything else is a typing mistake.
TOP_KEYS = frozenset(
    (
        "kind",
        "title",
        "suppression",
        "formats",
        "measures",
        "columns",
        "recipient",
        "minimisation",
        "min_group",
        "min_group_reason",
        "records",
    )
)
# What an extract has a row for: an episode (the pseudonymised extract) or a TOP (ndtms_top).
RECORDS = ("episodes", "tops")
DEFAULT_MIN_GROUP = 5  # every extract template: no combination of quasi-identifiers held by fewer rows
MINIMISATION_KEYS = {"ethnicity": ("code", "group", "omit"), "months": ("month", "quarter"), "drop": None}
# The columns of an extract that are not quasi-identifiers: the pseudonym and the two counts.
NOT_QUASI_IDENTIFIERS = frozenset(("pseudo_id", "attended_in_period", "dna_in_period"))
ENTRY_KEYS = frozenset(
    ("measure", "column", "label", "numerator_label", "denominator_label", "definition", "groups", "drop_groups")
)
FORMATS = ("csv", "xlsx", "json")
EXTRACT_COLUMNS = (
    "pseudo_id",
    "age_band",
    "sex",
    "ethnicity",
    "pathway",
    "referral_source",
    "primary_substance",
    "referral_month",
    "start_month",
    "discharge_month",
    "discharge_reason",
    "discharge_outcome",
    "attended_in_period",
    "dna_in_period",
    "continuity_engaged",
)
# Fields that identify a person: never a column of any return.
IDENTIFYING_COLUMNS = frozenset(
    (
        "client_ref",
        "first_name",
        "last_name",
        "preferred_name",
        "name",
        "full_name",
        "date_of_birth",
        "dob",
        "postcode",
        "phone",
        "notes",
        "keyworker",
        "address",
        "prison_number",
        "pnc_id",
        "probation_ref",
        "nhs_number",
        "offender_manager",
        "offender_manager_name",
        "offender_manager_phone",
        "offender_manager_email",
        "alt_contact",
        "aliases",
        "email",
        "session_notes",
        "outcome",
        "description",
        "court",
    )
)


@dataclass(frozen=True)
class Item:
    """One measure or column of a template, with the label it carries in the output."""

    name: str
    label: str
    line: int
    numerator_label: str
    denominator_label: str
    definition: str = ""
    # A measure's breakdown groups relabelled (code → label) or left out, e.g. "pathway:iom".
    groups: tuple[tuple[str, str], ...] = ()
    drop_groups: frozenset[str] = frozenset()

    def group_label(self, group: str) -> str:
        """The group as this template writes it."""
        return dict(self.groups).get(group, group)


@dataclass(frozen=True)
class Minimisation:
    """How an extract template coarsens what it gives: ethnicity as its letter, its six groups
    or left out; months as `YYYY-MM` or the financial quarter; columns dropped."""

    ethnicity: str = "code"
    months: str = "month"
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """A loaded, checked template."""

    name: str
    path: Path
    kind: str
    title: str
    suppression: int | None
    formats: tuple[str, ...]
    items: tuple[Item, ...]
    # An extract's recipient: its pseudonyms are keyed for that recipient alone.
    recipient: str | None = None
    minimisation: Minimisation = Minimisation()
    # Rows whose quasi-identifiers fewer than this many rows share refuse the export; 0 = no check.
    min_group: int = 0
    min_group_reason: str = ""
    records: str = "episodes"

    @property
    def labels(self) -> frozenset[str]:
        """Every label the template puts in its output."""
        found = {self.title}
        if self.recipient:
            found.add(self.recipient)
        if self.min_group_reason:
            found.add(self.min_group_reason)
        for item in self.items:
            found |= {item.label, item.numerator_label, item.denominator_label}
            found |= {label for _, label in item.groups}
            if item.definition:
                found.add(item.definition)
        return frozenset(found)


def template_dirs(user_dir: Path | None) -> list[Path]:
    """Where templates are looked for: the user's folder first, then the shipped one."""
    dirs = [user_dir] if user_dir and user_dir.is_dir() else []
    return dirs + [resource_dir("exports")]


# A template is a name: letters, digits, _ and -, never a path (no folder, no "..").
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def catalogue(user_dir: Path | None) -> tuple[list[Template], list[str]]:
    """Every template that can be used (user templates shadowing shipped ones of the same name),
    and a sentence for each template file that cannot be read."""
    seen: dict[str, Path] = {}
    for folder in template_dirs(user_dir):
        for path in sorted(folder.glob("*.toml")):
            seen.setdefault(path.stem, path)
    good: list[Template] = []
    problems: list[str] = []
    for path in seen.values():
        try:
            good.append(load(path))
        except TemplateError as error:
            problems.append(str(error))
    return good, problems


def available(user_dir: Path | None) -> list[Template]:
    """Every template that can be used; a bad file is left out (`catalogue` says why)."""
    return catalogue(user_dir)[0]


def find(name: str, user_dir: Path | None) -> Template:
    """The template called `name` (with or without `.toml`), looked for only inside the template
    folders."""
    stem = name[:-5] if name.endswith(".toml") else name
    if not _NAME.fullmatch(stem):
        raise TemplateError(
            f"'{name}' is not a template name: a template is a name, not a path (letters, digits, "
            "_ and -, e.g. quarterly_return); put your own templates in exports/ beside the caseload "
            "and see `cjcase export --list`."
        )
    for folder in template_dirs(user_dir):
        path = folder / f"{stem}.toml"
        if path.is_file():
            return load(path)
    names = sorted({p.stem for folder in template_dirs(user_dir) for p in folder.glob("*.toml")})
    raise TemplateError(
        f"There is no template called '{stem}': use one of {', '.join(names)} (see `cjcase export --list`)."
    )


def load(path: Path) -> Template:
    """Read and check one template file."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = path.read_bytes()[: error.start].count(b"\n") + 1
        raise TemplateError(
            f"{path.name} line {line}: the template is not UTF-8 text: save it as UTF-8 "
            "(in Notepad: Save As, Encoding UTF-8)."
        ) from None
    except OSError as error:
        raise TemplateError(f"{path.name} cannot be read ({error.strerror}): check the file.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise TemplateError(f"{path.name}: {error}: fix the TOML syntax.") from None
    lines = text.splitlines()

    def fail(message: str, needle: str | None = None) -> TemplateError:
        return TemplateError(f"{path.name} line {_line_of(lines, needle)}: {message}")

    kind = data.get("kind")
    if kind not in KINDS:
        raise fail(f'kind must be "aggregate" or "extract", not {kind!r}.', "kind")
    title = str(data.get("title") or path.stem.replace("_", " ").capitalize())
    unknown = next((key for key in data if key not in TOP_KEYS), None)
    if unknown is not None:
        raise TemplateError(
            f"{path.name} line {_line_of_key(lines, unknown)}: '{unknown}' is not a template setting: "
            f"use {', '.join(sorted(TOP_KEYS))}."
        )
    # A template that says nothing about suppression is suppressed at the default: an
    # unsuppressed file is written only when the template says `suppression = 0` deliberately.
    suppression = data.get("suppression", DEFAULT_SUPPRESSION)
    if not isinstance(suppression, int) or isinstance(suppression, bool) or suppression < 0:
        raise fail("suppression must be a whole number (5 hides counts of 1 to 4; 0 hides none).", "suppression")
    formats = data.get("formats", list(FORMATS))
    if not isinstance(formats, list) or not formats or any(f not in FORMATS for f in formats):
        raise fail(f"formats must list some of {', '.join(FORMATS)}.", "formats")
    records = data.get("records", "episodes")
    if records not in RECORDS or (kind != "extract" and "records" in data):
        raise fail('records says what an extract has a row for: "episodes" (the default) or "tops".', "records")
    known_columns = TOP_EXTRACT_COLUMNS if records == "tops" else EXTRACT_COLUMNS
    key, other = ("measures", "columns") if kind == "aggregate" else ("columns", "measures")
    if other in data:
        raise fail(f"an {kind} template lists {key}, not {other}.", other)
    entries = data.get(key)
    if not isinstance(entries, list) or not entries:
        raise fail(f'list the {key} of the return, e.g. {key} = [{{ {key[:-1]} = "..." }}].', key)
    items = []
    for entry in entries:
        name = entry.get(key[:-1]) if isinstance(entry, dict) else None
        if not isinstance(name, str):
            raise fail(f'each entry of {key} needs {key[:-1]} = "name".', key)
        allowed = ENTRY_KEYS - {other[:-1]}
        unknown = next((k for k in entry if k not in allowed), None)
        if unknown is not None:
            raise TemplateError(
                f"{path.name} line {_line_of_key(lines, unknown)}: '{unknown}' is not a setting of "
                f"an entry of {key}: use {', '.join(sorted(allowed))}."
            )
        needle = f'"{name}"'
        if kind == "aggregate" and name not in MEASURES:
            raise fail(f"'{name}' is not a measure cjcase knows: use one of {', '.join(MEASURES)}.", needle)
        if kind == "extract" and name in IDENTIFYING_COLUMNS:
            raise fail(f"the column '{name}' would carry an identifier, which no return may hold.", needle)
        if kind == "extract" and name not in known_columns:
            raise fail(f"'{name}' is not a column cjcase knows: use one of {', '.join(known_columns)}.", needle)
        label = str(entry.get("label") or name)
        groups, drop_groups = _groups(entry, kind, name, fail)
        items.append(
            Item(
                name=name,
                label=label,
                line=_line_of(lines, needle),
                numerator_label=str(entry.get("numerator_label") or f"{label}_numerator"),
                denominator_label=str(entry.get("denominator_label") or f"{label}_denominator"),
                definition=str(entry.get("definition") or ""),
                groups=groups,
                drop_groups=drop_groups,
            )
        )
    recipient = data.get("recipient")
    if recipient is not None and (kind != "extract" or not isinstance(recipient, str) or not recipient.strip()):
        raise fail(
            'recipient names who receives an extract, e.g. recipient = "West Yorkshire PCC"; '
            "an aggregate return has no pseudonyms to key.",
            "recipient",
        )
    minimisation = _minimisation(data, kind, fail, known_columns)
    min_group, min_group_reason = _min_group(data, kind, fail)
    dropped = set(minimisation.drop) | ({"ethnicity"} if minimisation.ethnicity == "omit" else set())
    items = [item for item in items if item.name not in dropped]
    if not items:
        raise fail("the minimisation drops every column: keep at least one.", "minimisation")
    names = [item.name for item in items]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate:
        raise fail(f"'{duplicate}' is listed twice.", f'"{duplicate}"')
    return Template(
        path.stem,
        path,
        kind,
        title,
        suppression if kind == "aggregate" else None,
        tuple(formats),
        tuple(items),
        recipient.strip() if recipient else None,
        minimisation,
        min_group,
        min_group_reason,
        records,
    )


def _groups(entry: dict, kind: str, name: str, fail) -> tuple[tuple[tuple[str, str], ...], frozenset[str]]:
    """A measure's relabelled and dropped breakdown groups, each a group the return knows."""
    relabel = entry.get("groups", {})
    drop = entry.get("drop_groups", [])
    if not relabel and not drop:
        return (), frozenset()
    needle = f'"{name}"'
    if kind != "aggregate":
        raise fail("groups and drop_groups belong to the measures of an aggregate template.", needle)
    if not isinstance(relabel, dict) or any(not isinstance(v, str) or not v.strip() for v in relabel.values()):
        raise fail('groups relabels groups, e.g. groups = { "pathway:iom" = "IOM cohort" }.', needle)
    if not isinstance(drop, list) or any(not isinstance(g, str) for g in drop):
        raise fail('drop_groups lists groups to leave out, e.g. drop_groups = ["pathway:community"].', needle)
    known = _known_groups()
    unknown = next((g for g in [*relabel, *drop] if g not in known), None)
    if unknown is not None:
        raise fail(
            f"'{unknown}' is not a group of the return: write it as in the return, e.g. all or pathway:court.",
            needle,
        )
    return tuple((group, label.strip()) for group, label in relabel.items()), frozenset(drop)


def _known_groups() -> set[str]:
    from cjcase.returns.measures import BREAKDOWNS

    return {"all"} | {f"{breakdown}:{code}" for breakdown, found in BREAKDOWNS.items() for code in found}


def _minimisation(data: dict, kind: str, fail, known_columns: tuple[str, ...] = EXTRACT_COLUMNS) -> Minimisation:
    block = data.get("minimisation")
    if block is None:
        return Minimisation()
    if kind != "extract" or not isinstance(block, dict):
        raise fail(
            'minimisation belongs to an extract template, as a table, e.g. minimisation = { ethnicity = "group" }.',
            "minimisation",
        )
    for key, value in block.items():
        if key not in MINIMISATION_KEYS:
            raise fail(f"'{key}' is not a minimisation setting: use {', '.join(MINIMISATION_KEYS)}.", "minimisation")
        choices = MINIMISATION_KEYS[key]
        if choices is not None and value not in choices:
            raise fail(f"minimisation {key} is one of {', '.join(choices)}, not {value!r}.", "minimisation")
    if known_columns is not EXTRACT_COLUMNS and set(block) - {"drop"}:
        raise fail("a TOP extract's minimisation can only drop columns (drop = [...]).", "minimisation")
    drop = block.get("drop", [])
    if not isinstance(drop, list) or any(column not in known_columns for column in drop):
        raise fail(f"minimisation drop lists columns of the extract: {', '.join(known_columns)}.", "minimisation")
    return Minimisation(block.get("ethnicity", "code"), block.get("months", "month"), tuple(drop))


def _min_group(data: dict, kind: str, fail) -> tuple[int, str]:
    if kind != "extract":
        if "min_group" in data or "min_group_reason" in data:
            raise fail("min_group applies to extract templates; an aggregate return is suppressed.", "min_group")
        return 0, ""
    value = data.get("min_group", DEFAULT_MIN_GROUP)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise fail("min_group must be a whole number (5: no group of fewer than 5 rows; 0: no check).", "min_group")
    reason = str(data.get("min_group_reason") or "").strip()
    if value == 0 and not reason:
        raise fail('min_group = 0 turns off the small-group check: say why in min_group_reason = "...".', "min_group")
    return value, reason


def _line_of_key(lines: list[str], key: str) -> int:
    """The first line setting `key` (at the top or inside an inline table), for messages."""
    pattern = re.compile(r"(^|[{,\s])" + re.escape(key) + r"\s*=")
    for number, line in enumerate(lines, start=1):
        if pattern.search(line.split("#", 1)[0]):
            return number
    return 1


def _line_of(lines: list[str], needle: str | None) -> int:
    """The first line holding `needle` (a key or a quoted name), for messages."""
    if needle:
        for number, line in enumerate(lines, start=1):
            stripped = line.split("#", 1)[0]
            if needle in stripped if needle.startswith('"') else stripped.strip().startswith(needle):
                return number
    return 1
