"""`pyvrrp inspect` against the draft's images and keepalived 2.4.3's captures."""

from __future__ import annotations

import json

import pytest
from tag_impl import tag_impl  # noqa: F401  (every test here runs with the C and the Python tag)

from pyvrrp.cli import main

KEY_HEX = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
KEY = f"1:hex:{KEY_HEX}"


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    code = main(["inspect", *argv])
    out, err = capsys.readouterr()
    assert KEY_HEX not in out + err
    rows = [json.loads(line) for line in out.splitlines()] if "--json" in argv else []
    return code, rows, out + err


@pytest.fixture(scope="module")
def vectors(data):
    return json.loads((data / "vectors/auth_hmac.json").read_text())


def test_appendix_images_verify(capsys, vectors) -> None:
    for im in vectors["images"]:
        code, rows, _ = run(
            capsys,
            "--hex",
            im["hex"],
            "--key",
            KEY,
            "--source",
            im["source"],
            "--anti-replay",
            "monotonic",
            "--json",
        )
        assert code == 0
        (r,) = rows
        assert r["verdict"] == "ok"
        assert (r["version"], r["vrid"], r["priority"]) == (3, 51, 200)
        assert r["addresses"] == im["vips"]
        assert r["trailer"]["key_id"] == 1 and r["trailer"]["seq"] == im["sequence_hex"]


def test_every_mutation(capsys, vectors) -> None:
    base = bytearray.fromhex(next(i for i in vectors["images"] if i["name"] == "ipv6")["hex"])
    for case in vectors["mutations"]["cases"]:
        bent = bytearray(base)
        bent[case["offset"]] ^= 1
        code, rows, _ = run(
            capsys,
            "--hex",
            bent.hex(),
            "--key",
            KEY,
            "--source",
            "fe80::10",
            "--vrid",
            "51",
            "--anti-replay",
            "monotonic",
            "--json",
        )
        assert code == 0, case["what"]
        assert rows[0]["verdict"] == case["expect"], case["what"]


def test_context_cases(capsys, vectors) -> None:
    hexs = next(i for i in vectors["images"] if i["name"] == "ipv6")["hex"]
    for case in vectors["context_cases"]["cases"]:
        if "expect" not in case:
            continue
        _, rows, _ = run(
            capsys,
            "--hex",
            hexs,
            "--key",
            KEY,
            "--source",
            case["source"],
            "--vrid",
            str(case["vrid"]),
            "--anti-replay",
            "monotonic",
            "--json",
        )
        assert rows[0]["verdict"] == case["expect"], case["what"]


def test_every_capture_gets_the_manifest_verdict(capsys, data) -> None:
    manifest = json.loads((data / "captures/manifest.json").read_text())
    for cap in manifest["captures"]:
        path = data / "captures" / cap["file"]
        for mode in ("monotonic", "time"):  # time mode: each frame's capture time
            code, rows, _ = run(
                capsys, "--pcap", str(path), "--key", KEY, "--anti-replay", mode, "--json"
            )
            assert code == 0, cap["file"]
            assert len(rows) == cap["frames"], cap["file"]
            for r in rows:
                assert r["verdict"] == cap["verdict"], (cap["file"], r["frame"], mode)
                assert r["version"] == cap["version"] and r["family"] == cap["family"]
                assert len(r["addresses"]) == cap["addresses"]
                assert (r["trailer"] is not None) == cap["trailer"]
                assert r["source"] == cap["source"]
                assert r["checksum_valid"] is True
                assert r["checksum_style"] == cap["checksum"], cap["file"]
                assert r["ttl"] == 255


def test_capture_stale_under_a_live_clock(capsys, data) -> None:
    path = data / "captures/v3-ipv4-multicast-hmac.pcap"
    _, rows, _ = run(capsys, "--pcap", str(path), "--key", KEY, "--now", "2000000000", "--json")
    assert {r["verdict"] for r in rows} == {"stale"}


def test_replay_across_frames(capsys, data, tmp_path) -> None:
    """A pcap holding the same advert twice: the second is a replay (replay
    state carries from frame to frame, as in a receiver)."""
    raw = (data / "captures/v3-ipv4-multicast-hmac.pcap").read_bytes()
    first = raw[24 : 24 + 16 + int.from_bytes(raw[24 + 8 : 24 + 12], "little")]
    doubled = tmp_path / "twice.pcap"
    doubled.write_bytes(raw[:24] + first + first)
    for mode in ("monotonic", "time"):
        code, rows, _ = run(
            capsys, "--pcap", str(doubled), "--key", KEY, "--anti-replay", mode, "--json"
        )
        assert code == 0
        assert [r["verdict"] for r in rows] == ["ok", "replay"], mode
        assert rows[0]["ttl"] == 255


def test_without_key_no_verdict_and_human_output(capsys, data) -> None:
    path = data / "captures/v2-ipv4-multicast-pass.pcap"
    code, _, out = run(capsys, "--pcap", str(path))
    assert code == 0
    assert "VRRPv2 vrid 51 prio 200" in out and "auth PASS" in out and "verdict" not in out
    assert "secret12" not in out  # the PASS password is never printed


def test_pass_password_not_in_json(capsys, data) -> None:
    path = data / "captures/v2-ipv4-multicast-pass.pcap"
    _, rows, out = run(capsys, "--pcap", str(path), "--json")
    assert "secret12" not in out and rows[0]["auth_type"] == "PASS"


def test_undecodable_exits_1(capsys) -> None:
    code, rows, _ = run(capsys, "--hex", "3133c801", "--json")
    assert code == 1 and rows[0]["error"] == "too_short" and rows[0]["verdict"] is None


def test_bad_key_argument_does_not_echo_it(capsys) -> None:
    code = main(["inspect", "--hex", "00", "--key", "1:hex:abcd1234"])
    _, err = capsys.readouterr()
    assert code == 2 and "abcd1234" not in err and "key is 4 bytes" in err
    code = main(["inspect", "--hex", "00", "--key", "nocolonsecretvalue"])
    _, err = capsys.readouterr()
    assert code == 2 and "nocolonsecretvalue" not in err


def test_not_a_pcap(capsys, tmp_path) -> None:
    f = tmp_path / "x.pcap"
    f.write_bytes(b"hello world")
    assert main(["inspect", "--pcap", str(f)]) == 1
