"""XDG paths for configuration and state. Nothing is created or read at import time."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import IO

APP_NAME = "ddbconsole"


def _xdg(var: str, fallback: str) -> Path:
    value = os.environ.get(var)
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / fallback


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config") / APP_NAME


def default_config_path() -> Path:
    return config_dir() / "config.yaml"


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state") / APP_NAME


# State holds the operation log and PartiQL statements with their literal values: only the user may
# read it, whatever the umask. New directories are 0700 and new files 0600; ddbconsole's own state
# dir and files that are more open (made by an older version) are tightened when next written.
PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def _tighten(path: Path | int, private: int) -> None:
    """chmod `path` (or an open fd) to `private` if group or others have any access; best effort."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
        if current & 0o077:
            if isinstance(path, int):
                os.fchmod(path, private)
            else:
                os.chmod(path, private)
    except OSError:
        pass  # not ours to change (another owner): the files inside are still 0600


def ensure_state_dir() -> Path:
    path = state_dir()
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)
    _tighten(path, PRIVATE_DIR_MODE)
    return path


def ensure_parent_dir(path: Path) -> None:
    """Create the directory of a state file: the state dir (tightened), or a new private one; an
    existing directory elsewhere (given by the caller) is left as it is."""
    if path.parent == state_dir():
        ensure_state_dir()
    else:
        path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR_MODE)


def open_private(path: Path, mode: str) -> IO[str]:
    """Open a text file for writing ("w" truncates, "a" appends), created 0600; tightened to 0600
    if it already exists more open."""
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        _tighten(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, mode, encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise
