"""infra/iac_guard.py: the offline stand-in for the Bicep compiler's for-expression rules
(BCP138/BCP142), its BCP318 warning and the no-hardcoded-env-urls linter rule, plus the parse
check and the checkov skip reasons. Each refused template in bicep_guard/ is a shape the
compiler or linter rejects; validate_iac.sh runs the same guard on bicep/ and on them."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import iac_guard

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "bicep_guard"
REFUSED = {
    "refused_union.bicep": "resources.container.properties.resource(arg_1).indexingPolicy"
    ".excludedPaths: for-expression inside union() (BCP138)",
    "refused_ternary.bicep": "resources.policy.properties.policy(true_value).rules: "
    "for-expression inside operator conditional (BCP138)",
    "refused_variable_property.bicep": "variables.settings.items: for-expression below the "
    "top of a var, output or param value (BCP138)",
    "refused_nested_property_loops.bicep": "resources.nsg.properties.securityRules[for]"
    ".properties.destinationPortRanges: for-expression nested in another property loop "
    "(BCP142)",
    "refused_function_argument.bicep": "modules.app.params.settings(value_to_convert)"
    ".endpoints: for-expression inside string() (BCP138)",
    "refused_conditional_output.bicep": "line 9: network.outputs of a conditional module read "
    "without '!' or '.?' (BCP318)",
    "refused_hardcoded_host.bicep": "line 3: 'core.windows.net' hard-coded "
    "(no-hardcoded-env-urls); take it from environment() or the service's endpoint",
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_each_shape_the_compiler_refuses_is_refused_with_its_place(name: str) -> None:
    assert iac_guard.check_file(FIXTURES / name) == [REFUSED[name]]


def test_every_refused_template_is_listed_here() -> None:
    assert sorted(p.name for p in FIXTURES.glob("refused_*.bicep")) == sorted(REFUSED)


def test_what_the_compiler_takes_is_accepted() -> None:
    """Every place a for-expression may stand, '!' and '.?' on a conditional module, and
    hosts from environment()."""
    assert iac_guard.check_file(FIXTURES / "accepted_loops.bicep") == []


def test_the_stamp_templates_pass_the_guard() -> None:
    templates = sorted((ROOT / "bicep").rglob("*.bicep"))
    assert len(templates) > 10
    assert {p.name: iac_guard.check_file(p) for p in templates} == {
        p.name: [] for p in templates}


def test_a_checkov_skip_needs_a_reason(tmp_path: Path) -> None:
    template = tmp_path / "skip.bicep"
    template.write_text(
        "resource st 'Microsoft.Storage/storageAccounts@2023-05-01' = {\n"
        "  name: 'st'\n"
        "  // checkov:skip=CKV_AZURE_35: too short\n"
        "  // checkov:skip=CKV_AZURE_59: public access is off by parameter, see main.bicep\n"
        "}\n", encoding="utf-8")
    assert iac_guard.check_file(template) == [
        "line 3: a checkov skip needs '// checkov:skip=CKV_ID: reason'"]


def test_a_template_that_does_not_parse_is_refused(tmp_path: Path) -> None:
    template = tmp_path / "broken.bicep"
    template.write_text("var x = cond ? [for p in ps: p] : []\n", encoding="utf-8")
    [problem] = iac_guard.check_file(template)
    assert problem.startswith("does not parse: Unexpected token")


def test_the_command_fails_on_a_finding_and_in_refuse_mode_on_an_acceptance(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert iac_guard.main([str(FIXTURES / "refused_union.bicep")]) == 1
    assert "BCP138" in capsys.readouterr().err
    assert iac_guard.main(["--refuse", str(FIXTURES / "accepted_loops.bicep")]) == 1
    assert "accepted a template it must refuse" in capsys.readouterr().err
    assert iac_guard.main(["--refuse", *map(str, sorted(FIXTURES.glob("refused_*")))]) == 0


def test_comments_do_not_count_but_interpolations_do(tmp_path: Path) -> None:
    template = tmp_path / "comments.bicep"
    template.write_text(
        "param on bool\n"
        "module net 'n.bicep' = if (on) {\n  name: 'net'\n}\n"
        "// net.outputs.id in a comment, and core.windows.net too\n"
        "/* vault.azure.net\n   net.properties */\n"
        "output url string = 'https://x/${net.outputs.id}'\n", encoding="utf-8")
    assert iac_guard.check_file(template) == [
        "line 8: net.outputs of a conditional module read without '!' or '.?' (BCP318)"]
