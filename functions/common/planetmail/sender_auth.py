"""Is the From domain authenticated? Only then may an acknowledgement go to it (no backscatter).
And so, where does an automatic reply go (``reply_recipient``)? In the layer because the responder
decides it and the operator's tools (replies in doubt) must show the same answer.

DMARC (RFC 7489) decides when the receiving provider reported a verdict for it: ``pass`` authenticates
the From domain, anything else does not. Without a DMARC verdict (no policy published, or a provider
that does not check), SPF or DKIM must pass for a domain aligned with the From domain: SPF for the
``smtp.mailfrom`` domain (or the envelope sender's), DKIM for a ``header.d`` domain, both read from the
topmost Authentication-Results header (RFC 8601), which the receiving provider wrote. A DKIM pass
whose signing domain is unknown proves nothing about the From domain, so it does not count.

Alignment is relaxed and approximated without the Public Suffix List: equal domains, or one a
subdomain of the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from planetmail.inbound import Address, InboundEmail
from planetmail.pipeline_config import PipelineConfig

_NO_DMARC = frozenset({None, "none"})
"""``dmarc=none``: the domain publishes no DMARC record (RFC 8601 §2.7.1)."""
_RESULT = re.compile(r"^\s*([a-z]+)\s*=\s*([a-z]+)\b(.*)$", re.IGNORECASE | re.DOTALL)
_PROPERTY = re.compile(r"\b(smtp\.mailfrom|header\.d|header\.i|header\.from)\s*=\s*\"?([^\s;\"]+)",
                       re.IGNORECASE)


def domain_of(address: str) -> str:
    return address.strip().strip("<>").rpartition("@")[2].strip().rstrip(".").lower()


def aligned(domain: str, other: str) -> bool:
    """Relaxed alignment, approximated: the same domain, or one inside the other."""
    if not domain or not other:
        return False
    return domain == other or domain.endswith("." + other) or other.endswith("." + domain)


def passing_domains(header: str, method: str) -> list[str]:
    """The domains an Authentication-Results header says passed ``method`` (``spf``, ``dkim``)."""
    found: list[str] = []
    for resinfo in header.split(";")[1:]:
        match = _RESULT.match(resinfo)
        if match is None or match.group(1).lower() != method or match.group(2).lower() != "pass":
            continue
        found += [domain_of(value) for _, value in _PROPERTY.findall(match.group(3))]
    return [d for d in found if d]


def authenticated_domain(email: InboundEmail) -> str | None:
    """The From domain when DMARC passes, or (no DMARC verdict) aligned SPF/DKIM passes; else None."""
    from_domain = domain_of(email.from_.address)
    auth = email.auth
    if auth.dmarc not in _NO_DMARC:
        return from_domain if auth.dmarc == "pass" else None
    results = email.headers.get("authentication-results", "")
    spf_domains = passing_domains(results, "spf") or [domain_of(email.envelope_from or "")]
    if auth.spf == "pass" and _any_aligned(spf_domains, from_domain):
        return from_domain
    if auth.dkim == "pass" and _any_aligned(passing_domains(results, "dkim"), from_domain):
        return from_domain
    return None


def trusted_domain(email: InboundEmail, config: PipelineConfig) -> str | None:
    """The domain replies may go to: the authenticated one, or the From domain when the check is off."""
    policy = config.reply_policy
    if policy.sender_authentication == "off" or not policy.backscatter_guard:
        return domain_of(email.from_.address)
    return authenticated_domain(email)


def reply_recipient(email: InboundEmail, config: PipelineConfig) -> Address:
    """Reply-To when it names exactly one address inside the authenticated domain (helpdesk practice),
    else the envelope sender (RFC 3834 §4) when SPF vouched for it or it is inside that domain, else From.

    Names and addresses come back raw: the responder sanitises the name and its reply policy refuses
    anything but one plain addr-spec; an unauthenticated sender gets no reply at all."""
    trusted = trusted_domain(email, config)
    if len(email.reply_to) == 1 and _inside(email.reply_to[0].address, trusted):
        return Address(address=email.reply_to[0].address.strip(), name=email.reply_to[0].name)
    envelope = (email.envelope_from or "").strip().strip("<>")
    if envelope and "@" in envelope and (email.auth.spf == "pass" or _inside(envelope, trusted)):
        return Address(address=envelope, name=email.from_.name if envelope.lower() == email.sender else "")
    return Address(address=email.from_.address.strip(), name=email.from_.name)


def _inside(address: str, domain: str | None) -> bool:
    return domain is not None and aligned(domain_of(address), domain)


def _any_aligned(domains: Iterable[str], from_domain: str) -> bool:
    return any(aligned(domain, from_domain) for domain in domains)
