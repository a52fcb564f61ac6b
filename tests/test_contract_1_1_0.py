"""The contract's acceptance (test_contract.py) for version 1.1.0 of the seed policy.

test_contract.py checks the answers of 1.0.0; this module loads the same file again
with ``CONTRACT_VERSION = "1.1.0"``, so every test of it that evaluates the seed runs
against 1.1.0 too (the tests of the command line keep the dates they state).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location("tests.test_contract_as_1_1_0",
                                               Path(__file__).with_name("test_contract.py"))
_module = importlib.util.module_from_spec(_spec)
_module.CONTRACT_VERSION = "1.1.0"
_spec.loader.exec_module(_module)

globals().update({name: value for name, value in vars(_module).items() if not name.startswith("__")})
