"""Keeping a package tagged: pypdf's append copies pages but not the structure tree, so the
tree of each tagged part is grafted into the main document's, as one /Part per annex.

A part without a structure tree (an uploaded scan, rebuilt page by page) stays untagged:
its pages lose their /StructParents, so they point at nothing rather than at the wrong
elements."""

from __future__ import annotations

from typing import Any

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    NumberObject,
)


def _numbers(tree: Any) -> list[tuple[int, Any]]:
    """Every (key, value) of a number tree, its kids included, in order."""
    tree = tree.get_object()
    pairs: list[tuple[int, Any]] = []
    nums = tree.get("/Nums")
    if nums is not None:
        nums = nums.get_object()
        pairs += [(int(nums[i]), nums[i + 1]) for i in range(0, len(nums) - 1, 2)]
    for kid in tree.get("/Kids", []):
        pairs += _numbers(kid)
    return pairs


def _top(root: DictionaryObject) -> DictionaryObject | None:
    """The main document's top element (LibreOffice writes one /Document)."""
    kids = root.get("/K")
    kids = None if kids is None else kids.get_object()
    if isinstance(kids, ArrayObject) and len(kids) == 1:
        kids = kids[0].get_object()
    return kids if isinstance(kids, DictionaryObject) else None


def graft(writer: PdfWriter, reader: PdfReader, first: int) -> bool:
    """Graft `reader`'s structure onto the writer's for its pages, appended from `first`;
    True when the part's structure came along."""
    pages = writer.pages[first:]
    main_root = writer.root_object.get("/StructTreeRoot")
    part_root = reader.root_object.get("/StructTreeRoot")
    main = None if main_root is None else main_root.get_object()
    top = None if main is None else _top(main)
    if part_root is None or main is None or top is None or "/ParentTree" not in main:
        for page in pages:
            page.pop(NameObject("/StructParents"), None)
        return False
    part = part_root.get_object()
    offset = int(main.get("/ParentTreeNextKey", 0))
    mine = _numbers(main["/ParentTree"])
    offset = max([offset, *(key + 1 for key, _ in mine)])
    # Cloned without their parent, which would drag the part's whole root along.
    kids = part.get("/K")
    kids = ArrayObject() if kids is None else kids.get_object()
    kids = kids if isinstance(kids, ArrayObject) else ArrayObject([part["/K"]])
    grafted = ArrayObject()
    for kid in kids:
        element = kid.get_object()
        if not isinstance(element, DictionaryObject):
            continue
        element.pop(NameObject("/P"), None)
        clone = element.clone(writer)
        if clone.get("/S") == "/Document":
            clone[NameObject("/S")] = NameObject("/Part")
        clone[NameObject("/P")] = top.indirect_reference or top
        grafted.append(clone.indirect_reference or writer._add_object(clone))
    theirs = [(key + offset, _clone(value, writer)) for key, value in _numbers(part["/ParentTree"])]
    flat = ArrayObject()
    for key, value in [*mine, *theirs]:
        flat += [NumberObject(key), value]
    main[NameObject("/ParentTree")] = writer._add_object(
        DictionaryObject({NameObject("/Nums"): flat})
    )
    main[NameObject("/ParentTreeNextKey")] = NumberObject(
        max([offset, *(k + 1 for k, _ in theirs)])
    )
    children = top.get("/K")
    children = ArrayObject() if children is None else children.get_object()
    if not isinstance(children, ArrayObject):
        children = ArrayObject([top["/K"]])
    top[NameObject("/K")] = ArrayObject([*children, *grafted])
    _shift(pages, offset)
    _merge_role_map(main, part)
    return True


def _clone(value: Any, writer: PdfWriter) -> Any:
    """A parent tree value in the writer: already cloned elements are reused by pypdf."""
    if isinstance(value, IndirectObject):
        target: Any = value.get_object()
        clone = target.clone(writer)
        return clone.indirect_reference or writer._add_object(clone)
    return value.clone(writer)


def _shift(pages: Any, offset: int) -> None:
    for page in pages:
        if "/StructParents" in page:
            page[NameObject("/StructParents")] = NumberObject(int(page["/StructParents"]) + offset)
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if "/StructParent" in annotation:
                annotation[NameObject("/StructParent")] = NumberObject(
                    int(annotation["/StructParent"]) + offset
                )


def _merge_role_map(main: DictionaryObject, part: DictionaryObject) -> None:
    theirs = part.get("/RoleMap")
    if theirs is None:
        return
    ours = main.get("/RoleMap")
    merged = DictionaryObject() if ours is None else DictionaryObject(ours.get_object())
    for key, value in theirs.get_object().items():
        merged.setdefault(NameObject(key), value)
    main[NameObject("/RoleMap")] = merged
