"""The package's build backend: setuptools', with a wheel of its own where
setuptools cannot make one.

Debian 12's python3 -m venv holds setuptools but not the wheel package,
and before setuptools 70.1 a wheel needs it; so ``pip install
--no-build-isolation ./python`` in such a venv, offline, would fail. Then
(and only then) the wheel is built here with the standard library: the
package is pure Python, its files and metadata few.
"""
import base64
import hashlib
import importlib.util
import os
import re
import zipfile

from setuptools import build_meta as _setuptools
from setuptools.build_meta import (build_sdist,
                                   get_requires_for_build_sdist,
                                   get_requires_for_build_wheel)

__all__ = ["build_sdist", "build_wheel", "get_requires_for_build_sdist",
           "get_requires_for_build_wheel"]

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _have_wheel():
    return importlib.util.find_spec("wheel") is not None


def _project():
    """Name, version, summary, requires-python from pyproject.toml."""
    with open(os.path.join(HERE, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()

    def field(key):
        m = re.search(r'^%s\s*=\s*"([^"]*)"' % key, text, re.M)
        return m.group(1) if m else ""
    return (field("name"), field("version"), field("description"),
            field("requires-python"))


def _metadata():
    name, version, summary, requires = _project()
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as f:
        readme = f.read()
    return (name, version,
            "Metadata-Version: 2.1\nName: %s\nVersion: %s\nSummary: %s\n"
            "Requires-Python: %s\nLicense: ISC\n"
            "Description-Content-Type: text/markdown\n\n%s" %
            (name, version, summary, requires, readme))


def _plain_wheel(wheel_directory):
    name, version, metadata = _metadata()
    dist = "%s-%s.dist-info" % (name, version)
    files = []
    pkg = os.path.join(HERE, name)
    for fn in sorted(os.listdir(pkg)):
        if fn.endswith(".py") or fn == "py.typed":
            with open(os.path.join(pkg, fn), "rb") as f:
                files.append(("%s/%s" % (name, fn), f.read()))
    files.append((dist + "/METADATA", metadata.encode()))
    files.append((dist + "/WHEEL", b"Wheel-Version: 1.0\nGenerator: "
                  b"peerrelay _build\nRoot-Is-Purelib: true\n"
                  b"Tag: py3-none-any\n"))
    files.append((dist + "/top_level.txt", name.encode() + b"\n"))
    record = []
    for path, data in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest())
        record.append("%s,sha256=%s,%d" % (path, digest.rstrip(b"=").decode(),
                                           len(data)))
    record.append(dist + "/RECORD,,")
    files.append((dist + "/RECORD", ("\n".join(record) + "\n").encode()))
    wheel_name = "%s-%s-py3-none-any.whl" % (name, version)
    with zipfile.ZipFile(os.path.join(wheel_directory, wheel_name), "w",
                         zipfile.ZIP_DEFLATED) as z:
        for path, data in files:
            z.writestr(path, data)
    return wheel_name


def build_wheel(wheel_directory, config_settings=None,
                metadata_directory=None):
    """A wheel: setuptools' where it can make one, else the plain one."""
    if _have_wheel():
        return _setuptools.build_wheel(wheel_directory, config_settings,
                                       metadata_directory)
    return _plain_wheel(wheel_directory)
