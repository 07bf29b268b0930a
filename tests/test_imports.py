"""Who may import whom: no core package imports a domain, no domain imports another.

What two domains share moves down into a core module (roads, forecast, assets, telemetry).
"""

import ast
from pathlib import Path

import pytest

from smartcity import domains

SRC = Path(__file__).resolve().parent.parent / "src" / "smartcity"
DOMAIN_PACKAGES = {path.split(".")[1] for path in domains.INSTALLED.values() if path}
# Packages of domains not yet in INSTALLED (pure modules so far) are domains all the same.
DOMAIN_PACKAGES |= {name for name in domains.NAMES if (SRC / name).is_dir()}


def imported_packages(path: Path) -> set[str]:
    """The smartcity sub-packages a module imports (smartcity.x.y -> x)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
        for name in names:
            parts = name.split(".")
            if parts[0] == "smartcity" and len(parts) > 1:
                found.add(parts[1])
        if isinstance(node, ast.ImportFrom) and node.module == "smartcity":
            found |= {a.name for a in node.names}
    return found


def modules():
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path.relative_to(SRC).parts[0].removesuffix(".py"), path


@pytest.mark.parametrize(("owner", "path"), list(modules()),
                         ids=lambda v: str(v.relative_to(SRC)) if isinstance(v, Path) else "")
def test_no_module_imports_a_domain_it_does_not_belong_to(owner, path):
    others = (imported_packages(path) & DOMAIN_PACKAGES) - {owner}
    assert not others, f"{path.relative_to(SRC)} imports the domain(s) {sorted(others)}"


def test_the_domain_list_names_packages_as_strings_only():
    # create_app reaches domains through smartcity.domains by name, never by import.
    assert not imported_packages(SRC / "domains.py") & DOMAIN_PACKAGES
    assert not imported_packages(SRC / "__init__.py") & DOMAIN_PACKAGES
