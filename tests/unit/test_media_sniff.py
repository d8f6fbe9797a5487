"""The upload type is read from the bytes, and names are made safe to show and to put in a header."""

from __future__ import annotations

from chatcluster.media.sniff import safe_filename, sniff


def test_common_files_are_recognised_by_their_first_bytes() -> None:
    assert sniff(b"\x89PNG\r\n\x1a\n....") == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0..JFIF") == "image/jpeg"
    assert sniff(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert sniff(b"%PDF-1.7\n") == "application/pdf"
    assert sniff(b"\x00\x00\x00\x18ftypmp42") == "video/mp4"


def test_utf8_text_is_text_even_when_cut_inside_a_character_and_binary_is_not() -> None:
    assert sniff("héllo wörld €".encode()[:-1]) == "text/plain"
    assert sniff(b"\x00\x01\x02binary") == "application/octet-stream"
    assert sniff(b"\x7fELF\x02\x01") == "application/x-executable"


def test_a_file_name_loses_its_path_quotes_and_control_characters() -> None:
    assert safe_filename("../../etc/passwd") == "passwd"
    assert safe_filename('C:\\Users\\me\\"evil"\r\n.png') == "evil.png"
    assert safe_filename("...") == "file"
