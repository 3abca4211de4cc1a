"""Name checks: which function, module and tag names the store accepts.

Function and module names become folder names in the repository
(``functions/<module>/``) and Python identifiers in the registry, so they must
be plain identifiers: no path separators, no ``..``, no Python keywords, no
names git refuses (``.lock`` endings), and not too long for a file system.
Tags become git refs and follow git's own rules, a little tightened.
"""

from __future__ import annotations

import keyword
import re

from fnstore.errors import InvalidNameError

__all__ = ["MAX_NAME_LENGTH", "check_name", "check_tag", "qualified", "split_qualified"]

#: Longest accepted function/module name (well under any file system's limit).
MAX_NAME_LENGTH = 100

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")
_QUALIFIED = re.compile(r"([^\[\]]*)\[([^\[\]]*)\]\Z")
_MEMORY_TYPES = ("numpy", "cupy", "torch", "tensorflow", "jax", "pyclesperanto")


def split_qualified(ref_name: str) -> tuple[str, str | None]:
    """Split ``sharpen[torch]`` into ``("sharpen", "torch")``; ``sharpen`` gives ``(.., None)``.

    One function name may exist once per memory type (OpenHCS has ``sharpen``
    for numpy, torch, jax...); the memory type in brackets picks one.  The
    CLI, the Python API and the GUI all take this form.

    Raises
    ------
    InvalidNameError
        The brackets do not hold a memory type.
    """
    if "[" not in ref_name and "]" not in ref_name:
        return ref_name, None
    match = _QUALIFIED.match(ref_name)
    if match is None or match.group(2) not in _MEMORY_TYPES:
        raise InvalidNameError(
            f"{ref_name!r} is not a function reference: write name[memory type], e.g. "
            f"'sharpen[torch]', with one of {', '.join(_MEMORY_TYPES)}"
        )
    return match.group(1), match.group(2)


def qualified(name: str, memory_type: str) -> str:
    """Return ``name[memory_type]``: the reference that picks one of same-named functions."""
    return f"{name}[{memory_type}]"


def check_name(name: object, what: str = "function") -> str:
    """Return ``name`` if it is a safe function or module name.

    Raises
    ------
    InvalidNameError
        The name is empty, not a Python identifier (ASCII), a keyword, too
        long, or ends with ``.lock``; the message says which.
    """
    if not isinstance(name, str) or not name:
        raise InvalidNameError(f"the {what} name is empty: give a Python identifier, e.g. 'blur'")
    shown = name if len(name) <= 60 else name[:57] + "..."
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidNameError(
            f"the {what} name {shown!r} is longer than {MAX_NAME_LENGTH} characters: shorten it"
        )
    if not _IDENTIFIER.match(name):
        raise InvalidNameError(
            f"the {what} name {shown!r} is not a plain Python identifier: use only ASCII "
            "letters, digits and '_', not starting with a digit (no '/', '.', '-' or spaces)"
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise InvalidNameError(f"the {what} name {name!r} is a Python keyword: choose another")
    if name.startswith("__") and name.endswith("__"):
        raise InvalidNameError(f"the {what} name {name!r} is reserved (dunder): choose another")
    return name


def check_tag(tag: object) -> str:
    """Return ``tag`` if it is a safe tag name (letters, digits, ``_``, ``-``, ``.``).

    Raises
    ------
    InvalidNameError
        The tag is empty, contains ``/``, ``..`` or other characters git
        refuses, ends with ``.lock`` or ``.``, or looks like a version number.
    """
    if not isinstance(tag, str) or not tag:
        raise InvalidNameError("the tag name is empty: give one such as 'v1' or 'paper-2024'")
    if (
        not _TAG.match(tag)
        or ".." in tag
        or tag.endswith((".lock", "."))
        or len(tag) > MAX_NAME_LENGTH
    ):
        raise InvalidNameError(
            f"the tag name {tag!r} is not accepted: use letters, digits, '_', '-' and '.', "
            "without '..', not ending with '.' or '.lock'"
        )
    if tag.isdigit() or tag == "HEAD":
        # 'name@3' means version 3, so a tag '3' could never be reached that way.
        raise InvalidNameError(f"the tag name {tag!r} is reserved: use e.g. 'v{tag}'")
    return tag
