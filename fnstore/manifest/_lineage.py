"""Which function of a module version a name means: one rule for every caller.

A version's identity is its module, its version number, its content id, the
commit that introduced it, and the name its function had *in that version*.
A rename (``fnstore rename``, or a pull's ``both`` choice, which adds the
suffix ``_theirs``) changes the function's name from one version to the next,
so a name given today (``smooth``) may mean a function called
``rescale_numpy`` in version 2.  The store's history walk follows the name
back through the versions with :func:`name_in_parent`, and every caller (the
registry's pins, ``name@3``, bench, show) uses the name found there instead
of working it out again.

A rename keeps the ``def`` on its line and keeps its memory types and
parameters, which is how a renamed function is matched to its old name; a
module whose only function changed its name is matched too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fnstore.manifest._models import FunctionInfo, Manifest

__all__ = ["function_for", "name_in_parent"]


def function_for(name: str, manifest: Manifest) -> str | None:
    """Return the function of ``manifest`` that the reference ``name`` means.

    ``name`` itself when the version defines it; the module's only function
    when ``name`` is the module's name; None for a module of several
    functions named by its module name (the caller lists them).
    """
    names = [f.name for f in manifest.functions]
    if name in names:
        return name
    if name == manifest.module and len(names) == 1:
        return names[0]
    return None


def _shape(info: FunctionInfo) -> tuple[object, ...]:
    return (
        info.lineno,
        info.input_memory_type,
        info.output_memory_type,
        tuple(p.name for p in info.parameters),
    )


def name_in_parent(name: str, child: Manifest, parent: Manifest) -> str | None:
    """Return what function ``name`` of version ``child`` was called in its ``parent``.

    None when the function did not exist there (it was added in ``child``).
    """
    old = {f.name: f for f in parent.functions}
    if name in old:
        return name
    new = {f.name: f for f in child.functions}
    if name not in new:
        return None
    gone = [f for n, f in old.items() if n not in new]
    same = [f.name for f in gone if _shape(f) == _shape(new[name])]
    if len(same) == 1:
        return same[0]
    added = [n for n in new if n not in old]
    if len(gone) == 1 and added == [name]:
        return gone[0].name  # edited and renamed in one save: still its only successor
    return None
