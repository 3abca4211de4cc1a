"""How ``both`` renames the remote's functions, and how notes that are not JSON merge."""

from __future__ import annotations

from fnstore.manifest._rename import rename_functions
from fnstore.sync._merge import _merge_note

SOURCE = '''"""blur and friends: blur(image) smooths."""
import scipy.ndimage as ndi

from fnstore import numpy


@numpy
def blur(image, sigma: float = 1.0):
    # blur is the public name; ndi.blur would be an attribute
    helper = ndi.blur if hasattr(ndi, "blur") else None
    return _twice(image, blur=sigma)


def _twice(image, blur):
    return image


@numpy
async def sharpen(image):
    return blur(image, sigma=0.5)
'''


def test_definitions_and_calls_are_renamed_strings_comments_attributes_are_not():
    out = rename_functions(SOURCE, {"blur": "blur_theirs", "sharpen": "sharpen_theirs"})
    assert "def blur_theirs(image, sigma: float = 1.0):" in out
    assert "async def sharpen_theirs(image):" in out
    assert "return blur_theirs(image, sigma=0.5)" in out
    # untouched: the docstring, the comment, the attribute, keyword arguments and parameters
    assert out.startswith('"""blur and friends: blur(image) smooths."""')
    assert "# blur is the public name; ndi.blur would be an attribute" in out
    assert 'ndi.blur if hasattr(ndi, "blur")' in out
    assert "_twice(image, blur=sigma)" in out
    assert "def _twice(image, blur):" in out  # a parameter that shares the name
    compile(out, "renamed", "exec")


def test_scopes_decide_what_refers_to_the_function():
    source = (
        "import numpy as np\n"
        "def blur(x):\n"
        "    return x\n"
        "def uses_global(x):\n"
        "    return blur(x)\n"
        "def shadows(x):\n"
        "    blur = np.ones\n"
        "    return blur(x)\n"
        "def declares_global():\n"
        "    global blur\n"
        "    blur = blur\n"
        "pipeline = [blur, lambda blur: blur, lambda y: blur(y)]\n"
        "squares = [blur(v) for v in range(3)]\n"
        "class Filters:\n"
        "    blur = staticmethod(blur)\n"
        "    def method(self):\n"
        "        return blur(1)\n"
        "café = 'é'; other = blur\n"
    )
    out = rename_functions(source, {"blur": "smooth"})
    assert "def smooth(x):" in out
    assert "    return smooth(x)\n" in out  # uses_global
    assert "    blur = np.ones\n    return blur(x)\n" in out  # shadows: untouched
    assert "    global smooth\n    smooth = smooth\n" in out
    assert "pipeline = [smooth, lambda blur: blur, lambda y: smooth(y)]" in out
    assert "squares = [smooth(v) for v in range(3)]" in out
    assert "    blur = staticmethod(smooth)\n" in out  # class attribute keeps its name
    assert "        return smooth(1)\n" in out  # methods skip the class scope
    assert "café = 'é'; other = smooth" in out  # byte offsets on a non-ASCII line
    compile(out, "renamed", "exec")


def test_nothing_to_rename_keeps_the_text():
    assert rename_functions(SOURCE, {"denoise": "denoise_theirs"}) == SOURCE


def test_record_lists_merge_by_id_and_text_notes_keep_both():
    mine = b'[\n{"id":"a","t":1},\n{"id":"b","t":2}\n]\n'
    theirs = b'[{"id": "b", "t": 2}, {"id": "c", "t": 3}]'
    merged = _merge_note(mine, theirs)
    assert merged == b'[\n{"id":"a","t":1},\n{"id":"b","t":2},\n{"id":"c","t":3}\n]\n'
    assert _merge_note(b"reviewed by A\n", b"reviewed by B\n") == b"reviewed by A\nreviewed by B\n"
