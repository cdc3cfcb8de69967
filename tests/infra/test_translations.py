"""English and French ship together: every message id in the code and templates is translated."""

from __future__ import annotations

from prize import catalogue, i18n


def test_french_catalogue_translates_every_message():
    assert catalogue.missing_from("fr") == []


def test_french_translations_keep_their_parameters():
    """A translation that drops or renames a %(name)s parameter would crash or mislead."""
    import re

    problems = []
    checked = 0
    for message in catalogue.load("fr"):
        if not message.id or not message.string:
            continue
        checked += 1
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(re.findall(r"%\((\w+)\)s", ids[0]))
        for text in strings:
            if set(re.findall(r"%\((\w+)\)s", text)) - wanted - {"num"}:
                problems.append(ids[0])
    assert problems == []
    assert checked > 100  # the French catalogue was read, not found empty


def test_accept_language_negotiation():
    assert i18n.negotiate("fr-CH, fr;q=0.9, en;q=0.8", "en") == "fr"
    assert i18n.negotiate("de-DE,de;q=0.9", "en") == "en"
    assert i18n.negotiate("de, en;q=0.5, fr;q=0.7", "en") == "fr"
    assert i18n.negotiate("", "fr") == "fr"


def _message_takers(trees):
    """Callables that take a message id: a parameter named ``msgid`` (a class by its
    ``__init__``), and every subclass of DomainError. Name -> position of the message id."""
    import ast

    takers: dict[str, int] = {"DomainError": 0, "Message": 0}
    bases: dict[str, list[str]] = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = [
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                ]
                for item in node.body:
                    if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                        names = [a.arg for a in item.args.args[1:]]
                        if "msgid" in names:
                            takers[node.name] = names.index("msgid")
            if isinstance(node, ast.FunctionDef) and node.name != "__init__":
                names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                if "msgid" in names:
                    takers[node.name] = names.index("msgid")
    changed = True
    while changed:
        changed = False
        for name, parents in bases.items():
            if name not in takers and any(p in takers for p in parents):
                takers[name] = next(takers[p] for p in parents if p in takers)
                changed = True
    return takers


def test_every_message_id_passed_in_code_is_in_the_catalogue():
    """A message given to DomainError, Message, or any function taking a ``msgid`` must be
    extracted, or it would never be translated."""
    import ast

    root = catalogue.paths.PACKAGE
    trees = [ast.parse(p.read_text(), str(p)) for p in sorted(root.rglob("*.py"))]
    takers = _message_takers(trees)
    extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in catalogue.extract() if m.id}
    missing = []
    checked = 0
    for tree in trees:
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            position = takers.get(name or "")
            if position is None or len(node.args) <= position:
                continue
            arg = node.args[position]
            literal = arg.value if isinstance(arg, ast.Constant) else None
            checked += 1
            if isinstance(arg, ast.JoinedStr):
                missing.append(f"{tree.body and name}: an f-string cannot be translated")
            elif isinstance(literal, str) and literal not in extracted:
                missing.append(f"{name}: {literal!r}")
    assert missing == []
    assert checked > 100  # the calls were found, so the check above looked at something
