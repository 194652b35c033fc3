"""The settings a command runs with: ``[tool.conv-lint]`` with the command line's options on top, and ``--show-settings``."""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from conv_lint.cache import cache_folder
from conv_lint.config import Settings, load, parse_codes, parse_frameworks, words


def describe_settings(settings: Settings) -> str:
    """The settings in force, after the configuration file and the command line, one per line."""
    rows = [
        ("configuration", str(settings.source) if settings.source else "(none: defaults)"),
        ("root", str(settings.root)),
        ("select", ", ".join(settings.select)),
        ("extend-select", ", ".join(settings.extend_select)),
        ("ignore", ", ".join(settings.ignore)),
        ("exclude", ", ".join(settings.exclude)),
        ("extend-exclude", ", ".join(settings.extend_exclude)),
        ("per-file-ignores", "; ".join(f"{glob} = {', '.join(codes)}" for glob, codes in settings.per_file_ignores)),
        ("respect-gitignore", str(settings.respect_gitignore).lower()),
        ("force-exclude", str(settings.force_exclude).lower()),
        ("frameworks", ", ".join(settings.frameworks) or "(all: set frameworks = [...] to compare only those)"),
    ]
    return "".join(f"{name} = {value}\n" for name, value in rows)


def settings_for(args: argparse.Namespace) -> Settings:
    settings = load(Path(args.config) if args.config else None)
    if args.select is not None:
        settings = replace(settings, select=parse_codes([args.select], "--select"))
    if args.extend_select:
        settings = replace(settings, extend_select=settings.extend_select + parse_codes([args.extend_select], "--extend-select"))
    if args.ignore:
        settings = replace(settings, ignore=settings.ignore + parse_codes([args.ignore], "--ignore"))
    if args.respect_gitignore is not None:
        settings = replace(settings, respect_gitignore=args.respect_gitignore)
    if args.extend_exclude:
        settings = replace(settings, extend_exclude=settings.extend_exclude + tuple(words([args.extend_exclude])))
    if args.force_exclude is not None:
        settings = replace(settings, force_exclude=args.force_exclude)
    if args.frameworks is not None:
        settings = replace(settings, frameworks=parse_frameworks([args.frameworks], "--frameworks"))
    return settings


def results_cache_folder(args: argparse.Namespace, settings: Settings) -> Path | None:
    """Where check's results cache is, for check and for fix (which fixes only files check reports)."""
    return None if args.no_cache else cache_folder(settings.root, args.cache_dir)
