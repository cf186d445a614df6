"""placeholder"""
import argparse
REPORT_COMMANDS = frozenset()
def add_report_commands(sub): pass
def run_report_command(args, settings, out): return 0
