"""The user's own private cache folder, as plain text paths (``os`` only).

Shared by the cache of parsed policy files (``cache.py``) and the cache of
compiled walks (``cold.py``), which runs before anything else of a command
is imported:

* ``$ASANIMZA_POLICY_CACHE`` when set (empty or ``off``: no cache), else
  ``$XDG_CACHE_HOME/asanimza-policy`` or ``~/.cache/asanimza-policy`` (Linux),
  ``~/Library/Caches/asanimza-policy`` (macOS), ``%LOCALAPPDATA%\\asanimza-policy``
  (Windows);
* created private (mode 0700) and used only while it is a folder owned by the
  user that no one else can write to; otherwise nothing is cached.
"""
from __future__ import annotations

import os
import sys

ENV_FOLDER = "ASANIMZA_POLICY_CACHE"
_XDG, _WINDOWS = "XDG_CACHE_HOME", "LOCALAPPDATA"


def _home() -> str:
    home = os.path.expanduser("~")          # what pathlib.Path.home() reads
    if home[:1] == "~":
        raise RuntimeError("Could not determine home directory.")
    return home


def private_folder() -> str | None:
    """The private cache folder, created if needed; ``None`` when there is none
    that is safe to use."""
    env = os.environ.get(ENV_FOLDER)
    try:
        if env is not None:
            if env.strip() in ("", "0", "off", "no"):
                return None
            folder = env
        else:
            if sys.platform == "win32":
                root = os.environ.get(_WINDOWS) or os.path.join(_home(), "AppData", "Local")
            elif sys.platform == "darwin":
                root = os.path.join(_home(), "Library", "Caches")
            else:
                xdg = os.environ.get(_XDG, "")
                root = xdg if os.path.isabs(xdg) else os.path.join(_home(), ".cache")
            folder = os.path.join(root, "asanimza-policy")
        os.makedirs(folder, mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except (OSError, RuntimeError):      # RuntimeError: no home folder
        return None
    if os.name == "posix":
        import stat

        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
            return None
        if st.st_mode & 0o077:
            try:
                os.chmod(folder, 0o700)
            except OSError:
                return None
    return folder
