"""A SUBSET of kustomize, in Python, enough for deploy/kubernetes: CI machines need not have
kubectl (Debian packages none recent enough: bookworm's kubernetes-client is 1.20, whose
kustomize v2 predates ``labels`` and ``patches``), and no kustomize is on PyPI or npm.

It does what those kustomizations use, as kustomize v5 does it: ``resources`` (files and
directories with a kustomization), ``namespace`` (also on RoleBinding subjects that are
ServiceAccounts), ``labels`` (metadata only: no ``includeSelectors``), ``images``,
``patches`` (a strategic-merge file, ``$patch: delete`` included, or an inline JSON 6902
patch with a kind/name ``target``) and ``secretGenerator`` (``literals``, ``behavior:
replace``, with ``disableNameSuffixHash``). Anything else is refused, not guessed at.
tests/unit/test_kubernetes_manifests.py checks it against ``kubectl kustomize`` wherever kubectl
is installed.
"""

from __future__ import annotations

import base64
import copy
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

Obj = dict[str, Any]
KNOWN = {"apiVersion", "kind", "namespace", "resources", "labels", "images", "patches",
         "secretGenerator", "generatorOptions"}
CLUSTER_KINDS = {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition",
                 "PersistentVolume", "StorageClass"}
POD_TEMPLATES = ("spec", "template", "spec")


class Unsupported(ValueError):
    """A kustomization uses something this subset does not do."""


def _documents(path: Path) -> list[Obj]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def _key(obj: Obj) -> tuple[str, str]:
    return obj["kind"], obj["metadata"]["name"]


def _merge(target: Obj, patch: Obj) -> Obj:
    """Strategic merge as kustomize does it for the maps these patches touch."""
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def _containers(obj: Obj) -> list[Obj]:
    spec: Any = obj
    for part in POD_TEMPLATES:
        spec = spec.get(part, {}) if isinstance(spec, dict) else {}
    if obj["kind"] == "Pod":
        spec = obj.get("spec", {})
    return [*spec.get("containers", []), *spec.get("initContainers", [])]


def _secret(entry: Obj) -> Obj:
    unknown = set(entry) - {"name", "literals", "behavior"}
    if unknown:
        raise Unsupported(f"secretGenerator fields {sorted(unknown)}")
    data = {}
    for literal in entry.get("literals", []):
        name, _, value = literal.partition("=")
        data[name] = base64.b64encode(value.encode()).decode()
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": entry["name"]},
            "type": "Opaque", "data": data}


def render(directory: Path) -> list[Obj]:
    """The objects ``kubectl kustomize directory`` prints (in no particular order)."""
    spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
    unknown = set(spec) - KNOWN
    if unknown:
        raise Unsupported(f"kustomization fields {sorted(unknown)} in {directory}")
    if not spec.get("generatorOptions", {"disableNameSuffixHash": True}).get(
            "disableNameSuffixHash"):
        raise Unsupported("generated names with a hash suffix")
    objects: list[Obj] = []
    for entry in spec.get("resources", []):
        path = (directory / entry).resolve()
        objects.extend(render(path) if path.is_dir() else _documents(path))

    for entry in spec.get("secretGenerator", []):
        generated = _secret(entry)
        if entry.get("behavior", "create") == "replace":
            base = next(o for o in objects if _key(o) == _key(generated))
            base.pop("stringData", None)
            base["data"] = generated["data"]
        else:
            objects.append(generated)

    for patch in spec.get("patches", []):
        if "path" in patch:
            for change in _documents(directory / patch["path"]):
                deleting = change.pop("$patch", None) == "delete"
                found = next(o for o in objects if _key(o) == _key(change))
                if deleting:
                    objects.remove(found)
                else:
                    _merge(found, change)
        else:
            target = patch["target"]
            operations = jsonpatch.JsonPatch(yaml.safe_load(patch["patch"]))
            for index, obj in enumerate(objects):
                if (obj["kind"], obj["metadata"]["name"]) == (target["kind"], target["name"]):
                    objects[index] = operations.apply(obj)

    for entry in spec.get("labels", []):
        if entry.get("includeSelectors") or entry.get("includeTemplates"):
            raise Unsupported("labels with includeSelectors/includeTemplates")
        for obj in objects:
            obj["metadata"].setdefault("labels", {}).update(entry["pairs"])

    for image in spec.get("images", []):
        for obj in objects:
            for container in _containers(obj):
                name, _, tag = container["image"].partition(":")
                if name == image["name"]:
                    container["image"] = (f"{image.get('newName', name)}:"
                                          f"{image.get('newTag', tag)}").rstrip(":")

    namespace = spec.get("namespace")
    if namespace:
        for obj in objects:
            if obj["kind"] not in CLUSTER_KINDS:
                obj["metadata"]["namespace"] = namespace
            for subject in obj.get("subjects", []) if obj["kind"] == "RoleBinding" else []:
                if subject.get("kind") == "ServiceAccount":
                    subject["namespace"] = namespace
    return objects
