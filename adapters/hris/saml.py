"""The SAML 2.0 bearer assertion SuccessFactors exchanges for an OAuth token, signed with the
client's key.

Shaped as SAP's "Generating a SAML Assertion" describes: the OAuth client's API key as issuer and as
the `api_key` attribute, the API user as subject, the token URL as recipient,
`www.successfactors.com` as audience, valid for a few minutes, signed (RSA-SHA256, enveloped) with
the private key whose X.509 certificate is registered on the OAuth client. Signing here keeps the
key off the network (SAP's /oauth/idp would take it as a form field).
"""

from __future__ import annotations

import base64
import uuid
from datetime import datetime, timedelta

from lxml import etree
from signxml import XMLSigner

SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
AUDIENCE = "www.successfactors.com"
LIFETIME = timedelta(minutes=10)


def signed_assertion(
    client_id: str, user_id: str, token_url: str, private_key_pem: str, now: datetime
) -> str:
    """The base64 assertion to post as `assertion` to /oauth/token."""
    assertion = _assertion(client_id, user_id, token_url, now)
    signed = XMLSigner(c14n_algorithm="http://www.w3.org/2001/10/xml-exc-c14n#").sign(
        assertion, key=private_key_pem.encode(), reference_uri=assertion.get("ID")
    )
    # The SAML schema puts ds:Signature right after Issuer; the enveloped transform ignores where it
    # sits.
    signature = signed.find("{http://www.w3.org/2000/09/xmldsig#}Signature")
    if signature is not None:
        signed.insert(1, signature)
    return base64.b64encode(etree.tostring(signed)).decode()


def _assertion(client_id: str, user_id: str, token_url: str, now: datetime) -> etree._Element:
    start, end = _instant(now - timedelta(minutes=1)), _instant(now + LIFETIME)
    root = etree.Element(
        f"{{{SAML}}}Assertion",
        nsmap={"saml2": SAML},
        ID=f"_{uuid.uuid4().hex}",
        IssueInstant=_instant(now),
        Version="2.0",
    )
    _child(root, "Issuer", client_id)
    subject = _child(root, "Subject")
    _child(
        subject, "NameID", user_id, Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    )
    confirmation = _child(
        subject, "SubjectConfirmation", Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"
    )
    _child(confirmation, "SubjectConfirmationData", NotOnOrAfter=end, Recipient=token_url)
    conditions = _child(root, "Conditions", NotBefore=start, NotOnOrAfter=end)
    _child(_child(conditions, "AudienceRestriction"), "Audience", AUDIENCE)
    authn = _child(
        root, "AuthnStatement", AuthnInstant=_instant(now), SessionIndex=f"_{uuid.uuid4().hex}"
    )
    _child(
        _child(authn, "AuthnContext"),
        "AuthnContextClassRef",
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport",
    )
    attribute = _child(_child(root, "AttributeStatement"), "Attribute", Name="api_key")
    _child(attribute, "AttributeValue", client_id)
    return root


def _child(
    parent: etree._Element, name: str, text: str | None = None, **attributes: str
) -> etree._Element:
    element = etree.SubElement(parent, f"{{{SAML}}}{name}", **attributes)
    element.text = text
    return element


def _instant(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
