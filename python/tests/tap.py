#!/usr/bin/env python3
"""Run the package's unittest cases and print TAP: a plan, then ok/not ok.

usage: tap.py [TESTDIR]. Exits 1 when any case failed.
"""
import os
import sys
import unittest


class Tap(unittest.TestResult):
    def __init__(self):
        super().__init__()
        self.n = 0

    def line(self, ok, test, note=""):
        self.n += 1
        print("%s %d - python: %s%s" % ("ok" if ok else "not ok", self.n,
                                        test.id().split(".", 1)[-1], note),
              flush=True)

    def addSuccess(self, test):
        self.line(True, test)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.line(False, test)
        self.diag(self.failures[-1][1])

    def addError(self, test, err):
        super().addError(test, err)
        self.line(False, test)
        self.diag(self.errors[-1][1])

    def addSkip(self, test, reason):
        self.line(True, test, " # skip " + reason)

    def diag(self, text):
        for ln in text.splitlines():
            print("# " + ln)


def main():
    here = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(
        os.path.abspath(__file__))
    suite = unittest.defaultTestLoader.discover(here, pattern="test_*.py",
                                                top_level_dir=here)
    print("1..%d" % suite.countTestCases(), flush=True)
    result = Tap()
    suite.run(result)
    sys.exit(0 if result.wasSuccessful() else 1)


main()
