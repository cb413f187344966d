"""The wards database: tables, and the mapping of the domain onto them."""

from __future__ import annotations

from sqlalchemy import Column, Float, MetaData, String, Table
from sqlalchemy.orm import registry

from services.wards.domain import Ward
from shared.db import NAMING_CONVENTION

metadata = MetaData(naming_convention=NAMING_CONVENTION)
mapper = registry(metadata=metadata)

wards = Table(
    "wards",
    metadata,
    Column("gss_code", String(9), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("local_authority_gss", String(9), nullable=False, index=True),
    Column("local_authority_name", String(200), nullable=False),
    Column("boundary_set", String(20), nullable=False),
    Column("locality", String(10)),
    Column("latitude", Float),
    Column("longitude", Float),
)

mapper.map_imperatively(Ward, wards)
