"""AST introspection: every decorator form, parameters, imports; nothing is executed."""

from __future__ import annotations

import pytest

from fnstore.errors import InvalidCodeError, InvalidNameError
from fnstore.manifest import introspect


def names_and_types(code: str) -> list[tuple[str, str, str]]:
    return [(f.name, f.input_memory_type, f.output_memory_type) for f in introspect(code).functions]


@pytest.mark.parametrize(
    ("imports", "decorator", "expected"),
    [
        ("from fnstore import numpy", "@numpy", ("numpy", "numpy")),
        ("from fnstore import cupy", "@cupy(oom_recovery=False)", ("cupy", "cupy")),
        ("import fnstore", "@fnstore.torch", ("torch", "torch")),
        ("import fnstore as fs", "@fs.jax()", ("jax", "jax")),
        ("from fnstore.memory import tensorflow", "@tensorflow", ("tensorflow", "tensorflow")),
        ("from fnstore import pyclesperanto", "@pyclesperanto", ("pyclesperanto", "pyclesperanto")),
        ("from fnstore import memory_types", '@memory_types("numpy", "torch")', ("numpy", "torch")),
        (
            "from fnstore import memory_types",
            '@memory_types(input_type="cupy", output_type="numpy")',
            ("cupy", "numpy"),
        ),
        (
            "from fnstore import memory_types, MemoryType",
            "@memory_types(MemoryType.TORCH, MemoryType.JAX)",
            ("torch", "jax"),
        ),
        ("from openhcs.core.memory.decorators import numpy", "@numpy", ("numpy", "numpy")),
        (
            "from openhcs.core.memory.decorators import torch as torch_func",
            "@torch_func",
            ("torch", "torch"),
        ),
        (
            "import openhcs.core.memory.decorators as deco",
            "@deco.cupy",
            ("cupy", "cupy"),
        ),
        ("", "@numpy", ("numpy", "numpy")),  # not imported: the run check will say so
    ],
)
def test_decorator_forms(imports: str, decorator: str, expected: tuple[str, str]) -> None:
    code = f"{imports}\n\n{decorator}\ndef f(image):\n    return image\n"
    assert names_and_types(code) == [("f", *expected)]


# Every import form real OpenHCS 0.8.6 code and arraybridge code use, and the
# package the manifest then records (None: the name was never imported).
OPENHCS_FORMS = [
    ("from openhcs.core.memory import numpy", "@numpy", "numpy", "openhcs"),
    ("from openhcs.core.memory.decorators import numpy", "@numpy", "numpy", "openhcs"),
    ("from openhcs.core.memory import torch as torch_func", "@torch_func", "torch", "openhcs"),
    ("import openhcs.core.memory as mem", "@mem.jax", "jax", "openhcs"),
    ("from openhcs.core import memory", "@memory.cupy()", "cupy", "openhcs"),
    (
        "from openhcs.core.memory import memory_types",
        '@memory_types("numpy", "torch")',
        "numpy>torch",
        "openhcs",
    ),
    (
        "from openhcs.core.memory.decorators import memory_types as mt",
        '@mt(input_type="torch", output_type="numpy")',
        "torch>numpy",
        "openhcs",
    ),
    ("from arraybridge import numpy", "@numpy", "numpy", "arraybridge"),
    ("from arraybridge import pyclesperanto as cle", "@cle", "pyclesperanto", "arraybridge"),
    ("import arraybridge as ab", "@ab.numpy", "numpy", "arraybridge"),
    (
        "import arraybridge",
        "@arraybridge.tensorflow(oom_recovery=False)",
        "tensorflow",
        "arraybridge",
    ),
    ("from arraybridge.decorators import torch", "@torch", "torch", "arraybridge"),
    ("import arraybridge as ab", '@ab.memory_types("jax", "numpy")', "jax>numpy", "arraybridge"),
    ("from fnstore import numpy", "@numpy", "numpy", "fnstore"),
    (
        "from fnstore.memory import memory_types",
        '@memory_types("numpy", "jax")',
        "numpy>jax",
        "fnstore",
    ),
    ("", "@numpy", "numpy", None),
]


@pytest.mark.parametrize(("imports", "decorator", "types", "package"), OPENHCS_FORMS)
def test_openhcs_and_arraybridge_forms_record_their_package(
    imports: str, decorator: str, types: str, package: str | None
) -> None:
    code = f"{imports}\n\n{decorator}\ndef f(image):\n    return image\n"
    (info,) = introspect(code).functions
    given, _, out = types.partition(">")
    assert (info.input_memory_type, info.output_memory_type) == (given, out or given)
    assert info.decorators_from == package


def test_a_decorator_rebound_by_a_later_import_is_explained() -> None:
    # OpenHCS 0.8.6's own torch template: '@torch' ends up as the torch package.
    code = (
        "from openhcs.core.memory import torch\nimport torch\n\n"
        "@torch\ndef f(image, kernel_size: int = 3):\n    return image\n"
    )
    with pytest.raises(InvalidCodeError, match=r"imported on line 1.*torch as torch_func"):
        introspect(code)
    fixed = code.replace("import torch\n", "import torch as torch_lib\n")
    assert names_and_types(fixed) == [("f", "torch", "torch")]


def test_openhcs_names_that_are_not_decorators_are_ignored() -> None:
    code = (
        "from openhcs.core.memory import convert_memory\nimport arraybridge.types as numpy\n\n"
        "@convert_memory\ndef a(x):\n    return x\n\n"
        "@numpy\ndef b(x):\n    return x\n\n"  # a module aliased 'numpy', not the decorator
        "from arraybridge import torch\n@torch\ndef c(x):\n    return x\n"
    )
    assert names_and_types(code) == [("c", "torch", "torch")]


def test_other_decorators_and_shadowed_names_are_not_memory_types() -> None:
    code = (
        "import numpy\nimport functools\nfrom fnstore import torch\n\n"
        "@numpy\ndef shadowed(x):\n    return x\n\n"  # numpy is the array package here
        "@functools.cache\ndef helper(x):\n    return x\n\n"
        "@torch\ndef kept(x):\n    return x\n"
    )
    assert names_and_types(code) == [("kept", "torch", "torch")]


def test_parameters_defaults_annotations_and_docstring() -> None:
    code = (
        "from fnstore import numpy\n\n"
        "@numpy\n"
        "def f(image, /, sigma: float = 1.5, *args, mode: str = 'reflect', size=(3, 3),\n"
        "      table={'a': [1, None]}, fn=len, **kw) -> 'np.ndarray':\n"
        '    """Smooth it."""\n'
        "    return image\n"
    )
    (info,) = introspect(code).functions
    params = {p.name: p for p in info.parameters}
    assert [p.kind for p in info.parameters] == [
        "positional_only",
        "positional_or_keyword",
        "var_positional",
        "keyword_only",
        "keyword_only",
        "keyword_only",
        "keyword_only",
        "var_keyword",
    ]
    assert params["image"].has_default is False
    assert (params["sigma"].default, params["sigma"].annotation) == (1.5, "float")
    assert params["mode"].default == "reflect"
    assert params["table"].default == {"a": [1, None]}
    # not JSON literals: kept as source text
    assert (params["size"].default, params["size"].default_source) == (None, "(3, 3)")
    assert params["fn"].default_source == "len"
    assert info.docstring == "Smooth it."
    assert info.lineno == 4


def test_imports_and_special_io() -> None:
    code = (
        "from __future__ import annotations\nimport numpy as np\nimport skimage.filters\n"
        "from scipy import ndimage\nfrom . import local\n"
        "from openhcs.core.pipeline.function_contracts import special_inputs, special_outputs\n"
        "from fnstore import numpy\n\n"
        "@special_outputs('positions', ('mask', None))\n@special_inputs('grid')\n@numpy\n"
        "def f(image, grid):\n    return image\n"
    )
    found = introspect(code)
    assert found.imports == ["fnstore", "numpy", "openhcs", "scipy", "skimage"]
    (info,) = found.functions
    assert (info.special_inputs, info.special_outputs) == (["grid"], ["positions", "mask"])


def test_several_functions_in_source_order_and_nested_ones_ignored() -> None:
    code = (
        "from fnstore import numpy, torch\n\n"
        "@torch\ndef b(x):\n    return x\n\n"
        "class Holder:\n    @numpy\n    def method(self, x):\n        return x\n\n"
        "@numpy\ndef a(x):\n    @numpy\n    def inner(y):\n        return y\n    return x\n"
    )
    assert [f.name for f in introspect(code).functions] == ["b", "a"]


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("def f(:\n", "syntax error at line 1"),
        ("x = 1\ndef f(image):\n    return image\n", "no decorated function"),
        ("a = 'nul\x00'\n", "null bytes"),
        (
            "from fnstore import numpy\n@numpy\ndef f(x): return x\n@numpy\ndef f(x): return x\n",
            "defined twice",
        ),
        (
            "from fnstore import memory_types\nT = 'numpy'\n"
            "@memory_types(T, T)\ndef f(x): return x\n",
            "write them as literals",
        ),
        ("(" * 300 + ")" * 300, "syntax error|cannot be parsed"),
        ("[" * 100_000, "syntax error|cannot be parsed"),
    ],
)
def test_bad_code_is_refused_with_a_reason(code: str, words: str) -> None:
    with pytest.raises(InvalidCodeError, match=words):
        introspect(code)


def test_unsafe_function_name_is_refused() -> None:
    code = "from fnstore import numpy\n@numpy\ndef __init__(x):\n    return x\n"
    with pytest.raises(InvalidNameError, match="reserved"):
        introspect(code)
