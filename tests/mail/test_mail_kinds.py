"""Every mail the service queues is of a registered kind, and the outbox and the sender
know no feature: they ask the registry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from flask import Flask

from niemand_alleen.mail.kinds import kind_label, registered_kinds

ROOT = Path(__file__).resolve().parents[2]
MAIL_PACKAGE = ROOT / "niemand_alleen" / "mail"
RECIPIENTS = {"organisatie", "goede buur", "coördinator", "buurtwerker", "medewerker"}
FEATURES = {
    "distribution", "intake", "matching", "organisations", "signup", "privacy", "audit",
    "auth", "web", "jobs", "lifecycle",
}  # fmt: skip


def test_every_mail_template_is_a_registered_kind(app: Flask) -> None:
    """A template without a kind would be a mail the staff lists cannot name."""
    templates = {
        path.name.split(".")[0]
        for path in (ROOT / "templates" / "mail").iterdir()
        if not path.name.startswith("_")
    }
    kinds = registered_kinds()
    assert templates <= set(kinds), templates - set(kinds)
    for name, kind in kinds.items():
        if name.startswith("test_"):
            continue
        assert kind_label(name) == kind.label
        assert kind.label[0].isupper()
        assert kind.recipient in RECIPIENTS


# The calls that name the kind of a mail they queue: the outbox's, and the helpers of a
# feature that queue one mail to several people.
QUEUEING = ("queue_mail", "outbox_values", "queue_to_organisation", "_mail_neighbour")


def test_every_kind_queued_in_the_code_is_registered(app: Flask) -> None:
    queued = set()
    for path in (ROOT / "niemand_alleen").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        # The sign-up builds its outbox rows by hand (a dict with "kind") for speed.
        queued |= set(re.findall(r'"kind": "(signup_[a-z_]+)"', text))
        for node in ast.walk(ast.parse(text)):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in QUEUEING
            ):
                for keyword in node.keywords:
                    if keyword.arg == "kind" and isinstance(keyword.value, ast.Constant):
                        queued.add(str(keyword.value.value))
    assert len(queued) > 5  # the search really finds them
    assert queued <= set(registered_kinds()), queued - set(registered_kinds())


def test_the_outbox_and_the_sender_import_no_feature() -> None:
    for path in (MAIL_PACKAGE / name for name in ("outbox.py", "sender.py", "kinds.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                parts = node.module.split(".")
                if parts[0] == "niemand_alleen" and len(parts) > 1:
                    assert parts[1] not in FEATURES, f"{path.name} imports {node.module}"
