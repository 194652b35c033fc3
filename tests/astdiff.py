"""Compare two versions of a module: what changed besides added keyword arguments and imports?"""

import ast


def only_keywords_added(before: str, after: str) -> list[str]:
    """Differences between two modules other than added keyword arguments and added imports."""
    old, new = ast.parse(before), ast.parse(after)
    old_imports = {ast.dump(node) for node in old.body if isinstance(node, (ast.Import, ast.ImportFrom))}
    new.body = [
        node
        for node in new.body
        if not (isinstance(node, (ast.Import, ast.ImportFrom)) and ast.dump(node) not in old_imports)
    ]
    problems: list[str] = []
    _compare(old, new, problems)
    return problems


def _compare(old, new, problems: list[str]) -> None:
    if type(old) is not type(new):
        problems.append(f"{ast.dump(old)[:80]} became {ast.dump(new)[:80]}")
        return
    if isinstance(old, list):
        if len(old) != len(new):
            problems.append(f"list of {len(old)} became {len(new)}")
            return
        for a, b in zip(old, new):
            _compare(a, b, problems)
        return
    if not isinstance(old, ast.AST):
        if old != new:
            problems.append(f"{old!r} became {new!r}")
        return
    for name, value in ast.iter_fields(old):
        other = getattr(new, name)
        if isinstance(old, ast.Call) and name == "keywords":
            if [k.arg for k in other[: len(value)]] != [k.arg for k in value]:
                problems.append(f"keywords {[k.arg for k in value]} became {[k.arg for k in other]}")
                continue
            _compare(value, other[: len(value)], problems)
        else:
            _compare(value, other, problems)
