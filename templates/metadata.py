"""A package's metadata: the document information and the XMP saying the same (title,
subject, keywords, dates), the PDF/A-3b identification, the case reference and template
version in an extension schema that PDF/A validators can read; and its attachments."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from xml.sax.saxutils import escape

from pypdf import PdfWriter
from pypdf.generic import (
    DecodedStreamObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)

NAMESPACE = "https://hetvierdehuis.example/ns/agreements/1.0/"
PREFIX = "agr"
LANGUAGE = "nl-NL"
PRODUCER = "agreements document engine (pypdf)"


def pdf_date(moment: datetime) -> str:
    """D:YYYYMMDDHHmmSS+HH'mm', the document information's form of a moment."""
    stamp = moment.strftime("D:%Y%m%d%H%M%S")
    offset = moment.strftime("%z")
    return stamp + (f"{offset[:3]}'{offset[3:]}'" if offset else "")


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def packet(
    info: Mapping[str, str], *, created: datetime | None, modified: datetime | None
) -> bytes:
    """An XMP packet matching `info` (the /Title, /Subject, /Keywords, /Producer, /Creator,
    /CaseReference and /TemplateVersion entries)."""

    def text(key: str) -> str:
        return escape(info.get(key, ""))

    dates = ""
    if created is not None:
        dates += f"<xmp:CreateDate>{_iso(created)}</xmp:CreateDate>"
    if modified is not None:
        dates += (
            f"<xmp:ModifyDate>{_iso(modified)}</xmp:ModifyDate>"
            f"<xmp:MetadataDate>{_iso(modified)}</xmp:MetadataDate>"
        )
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about="" xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<pdfaid:part>3</pdfaid:part><pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{text("/Title")}</rdf:li></rdf:Alt></dc:title>
<dc:description><rdf:Alt><rdf:li xml:lang="x-default">{text("/Subject")}</rdf:li></rdf:Alt>
</dc:description>
<dc:language><rdf:Bag><rdf:li>{LANGUAGE}</rdf:li></rdf:Bag></dc:language>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:pdf="http://ns.adobe.com/pdf/1.3/">
<pdf:Producer>{text("/Producer")}</pdf:Producer><pdf:Keywords>{text("/Keywords")}</pdf:Keywords>
</rdf:Description>
<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/">
<xmp:CreatorTool>{text("/Creator")}</xmp:CreatorTool>{dates}
</rdf:Description>
<rdf:Description rdf:about="" xmlns:{PREFIX}="{NAMESPACE}">
<{PREFIX}:CaseReference>{text("/CaseReference")}</{PREFIX}:CaseReference>
<{PREFIX}:TemplateVersion>{text("/TemplateVersion")}</{PREFIX}:TemplateVersion>
</rdf:Description>
{_EXTENSION}
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>""".encode()


def _property(name: str, description: str) -> str:
    return (
        '<rdf:li rdf:parseType="Resource">'
        f"<pdfaProperty:name>{name}</pdfaProperty:name>"
        "<pdfaProperty:valueType>Text</pdfaProperty:valueType>"
        "<pdfaProperty:category>external</pdfaProperty:category>"
        f"<pdfaProperty:description>{description}</pdfaProperty:description></rdf:li>"
    )


# PDF/A: a property outside the predefined schemas must be described in the file itself.
_EXTENSION = f"""<rdf:Description rdf:about=""
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>Woonbegeleidingsovereenkomsten</pdfaSchema:schema>
<pdfaSchema:namespaceURI>{NAMESPACE}</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>{PREFIX}</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq>
{_property("CaseReference", "Het kenmerk van de zaak")}
{_property("TemplateVersion", "Het sjabloon en zijn versie")}
</rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>"""


def info(
    title: str, subject: str, case_reference: str, version: str, created: datetime | None
) -> dict[str, str]:
    """The document information of a package."""
    entries = {
        "/Title": title,
        "/Subject": subject,
        "/Keywords": f"zaak {case_reference}; sjabloonversie {version}",
        "/Producer": PRODUCER,
        "/Creator": PRODUCER,
        # Machine-readable copies of what the keywords say in words (also in the XMP).
        "/CaseReference": case_reference,
        "/TemplateVersion": version,
    }
    if created is not None:
        entries["/CreationDate"] = entries["/ModDate"] = pdf_date(created)
    return entries


def set_xmp(writer: PdfWriter, entries: Mapping[str, str], created: datetime | None) -> None:
    """The XMP beside the document information, saying the same (PDF/A wants both alike);
    unfiltered, as PDF/A asks of a metadata stream."""
    stream = DecodedStreamObject()
    stream.set_data(packet(entries, created=created, modified=created))
    stream[NameObject("/Type")] = NameObject("/Metadata")
    stream[NameObject("/Subtype")] = NameObject("/XML")
    writer.root_object[NameObject("/Metadata")] = writer._add_object(stream)


def attach(
    writer: PdfWriter,
    name: str,
    data: bytes,
    mime: str,
    description: str,
    relation: str,
    when: datetime | None = None,
) -> IndirectObject:
    """Embed a file; its file specification, for the catalogue's /AF (PDF/A-3)."""
    attachment = writer.add_attachment(name, data)
    attachment.subtype = NameObject("/" + mime)
    attachment.description = TextStringObject(description)
    attachment.alternative_name = TextStringObject(name)  # /UF, which PDF/A asks for
    # PDF/A-3: how the attachment relates to the document.
    attachment.associated_file_relationship = NameObject(relation)
    attachment.size = NumberObject(len(data))
    if when is not None:
        attachment.modification_date = when
    reference = attachment.pdf_object.indirect_reference
    return reference if reference is not None else writer._add_object(attachment.pdf_object)
