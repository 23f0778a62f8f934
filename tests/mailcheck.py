#!/usr/bin/env python3
"""tests/mailcheck.py - the messages of a Maildir as JSON lines, for the tests.

    mailcheck.py MAILDIR

One line per message: message_id, from, to (address), to_name (decoded),
subject (decoded), date, content_type, charset, transfer_encoding, body
(decoded text, line ends as \\n), header_names (in order), max_line (the
longest raw line), subject_words (the raw encoded words of the subject and
their longest length), attachments (filename, content_type, size, sha256),
parsed_date_ok (RFC 5322 date parsed).
"""
import email
import email.policy
import email.utils
import hashlib
import json
import mailbox
import re
import sys
from email.header import decode_header, make_header


def decoded(v):
    return str(make_header(decode_header(v))) if v is not None else None


md = mailbox.Maildir(sys.argv[1], create=False)
for key in sorted(md.keys()):
    raw = md.get_bytes(key)
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    lines = raw.replace(b"\r\n", b"\n").split(b"\n")
    name, addr = email.utils.parseaddr(msg.get("To", ""))
    subj_raw = msg.get("Subject", "")
    words = re.findall(r"=\?[^?]+\?[BbQq]\?[^?]*\?=", subj_raw)
    body = None
    atts = []
    for part in msg.walk():
        if part.is_multipart():
            continue
        if part.get_filename() is not None:
            data = part.get_payload(decode=True) or b""
            atts.append({"filename": decoded(part.get_filename()),
                         "content_type": part.get_content_type(), "size": len(data),
                         "sha256": hashlib.sha256(data).hexdigest()})
        elif body is None and part.get_content_type() == "text/plain":
            body = (part.get_payload(decode=True) or b"").decode(
                part.get_content_charset() or "ascii").replace("\r\n", "\n")
    try:
        parsed_date_ok = email.utils.parsedate_to_datetime(msg.get("Date")) is not None
    except (TypeError, ValueError):
        parsed_date_ok = False
    print(json.dumps({
        "key": key,
        "message_id": msg.get("Message-ID"),
        "from": email.utils.parseaddr(msg.get("From", ""))[1],
        "to": addr, "to_name": decoded(name) if name else None,
        "subject": decoded(subj_raw),
        "subject_words": words,
        "subject_word_max": max([len(w) for w in words] or [0]),
        "date": msg.get("Date"), "parsed_date_ok": parsed_date_ok,
        "content_type": msg.get_content_type(),
        "charset": msg.get_content_charset(),
        "transfer_encoding": msg.get("Content-Transfer-Encoding"),
        "header_names": [k for k in msg.keys()],
        "max_line": max(len(l) for l in lines),
        "body": body, "attachments": atts,
    }, ensure_ascii=False))
