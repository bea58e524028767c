"""``brigade-console`` is set up from its ``--help``; a missing setting is answered in one sentence."""

from __future__ import annotations

from tests.test_process_clis import run


def test_help_lists_the_flags_and_the_environment() -> None:
    result = run("brigade-console", "--help")
    assert result.returncode == 0, result.stderr
    for word in ("--hub-url", "--username", "--password", "--api-key", "--language", "--timeout"):
        assert word in result.stdout
    for variable in ("BRIGADE_CONSOLE_HUB_URL", "BRIGADE_CONSOLE_PASSWORD", "BRIGADE_CONSOLE_API_KEY"):
        assert variable in result.stdout


def test_a_missing_hub_url_is_answered_in_one_sentence() -> None:
    result = run("brigade-console")
    assert result.returncode == 2
    assert result.stderr.strip() == "brigade-console: hub url not set (pass --hub-url or set BRIGADE_CONSOLE_HUB_URL)."


def test_missing_credentials_are_answered_in_one_sentence() -> None:
    result = run("brigade-console", BRIGADE_CONSOLE_HUB_URL="http://127.0.0.1:1")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "brigade-console: credentials not set (pass --username and --password or --api-key, or set "
        "BRIGADE_CONSOLE_USERNAME and BRIGADE_CONSOLE_PASSWORD or BRIGADE_CONSOLE_API_KEY)."
    )
