"""A client in another gRPC implementation (Python grpcio, on gRPC C-core), as an integrator
would write it: mutual TLS with the certificates `sanxiang pki init` and `pki issue` made, no
custom verifier; health, v1alpha reflection, a write, a linearizable read, an inclusion proof
verified here with RFC 6962 / RFC 9162, and a write id replayed with another command.

Usage: grpc_client.py STUBS_DIR CA CERT KEY ADDRESS DNS_NAME
"""
import hashlib
import sys
import time

sys.path.insert(0, sys.argv[1])

import grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc  # noqa: E402
from sanxiang import region_pb2, region_pb2_grpc  # noqa: E402
from sanxiang.api.v1 import types_pb2, registry_pb2, registry_pb2_grpc  # noqa: E402
from sanxiang.api.v1 import common_pb2, ledger_pb2_grpc  # noqa: E402
from google.rpc import error_details_pb2  # noqa: E402
from grpc_status import rpc_status  # noqa: E402

ca, cert, key, address, dns_name = sys.argv[2:7]


def read(path):
    with open(path, "rb") as f:
        return f.read()


creds = grpc.ssl_channel_credentials(
    root_certificates=read(ca), private_key=read(key), certificate_chain=read(cert)
)


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def sha256(data):
    return hashlib.sha256(data).digest()


def verify_inclusion(index, size, leaf_hash, path, root):
    """RFC 9162 section 2.1.3.2, written independently of the node's code."""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = sha256(b"\x01" + p + r)
            while fn & 1 == 0 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = sha256(b"\x01" + r + p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def check(channel, label):
    # Health: the Region service reports SERVING once the node knows a leader.
    health = health_pb2_grpc.HealthStub(channel)
    deadline = time.time() + 30
    while True:
        try:
            status = health.Check(
                health_pb2.HealthCheckRequest(service="sanxiang.region.v1.Region"), timeout=5
            ).status
            if status == health_pb2.HealthCheckResponse.SERVING:
                break
        except grpc.RpcError as e:
            if time.time() > deadline:
                fail(f"{label}: health check failed: {e.code()} {e.details()}")
        if time.time() > deadline:
            fail(f"{label}: the Region service never reported SERVING")
        time.sleep(0.5)
    # Reflection, the older v1alpha protocol: the services are listed.
    refl = reflection_pb2_grpc.ServerReflectionStub(channel)
    req = reflection_pb2.ServerReflectionRequest(list_services="")
    names = [s.name for r in refl.ServerReflectionInfo(iter([req]), timeout=10)
             for s in r.list_services_response.service]
    for want in ("sanxiang.region.v1.Region", "grpc.health.v1.Health"):
        if want not in names:
            fail(f"{label}: v1alpha reflection does not list {want}: {names}")
    print(f"  {label}: health SERVING; v1alpha reflection lists {len(names)} services")


def write_read_prove(channel, label, n):
    stub = region_pb2_grpc.RegionStub(channel)
    name = f"Python 客户端测试局 {n}"
    agency = region_pb2.AgencyInput(
        name=name, powers=["penalty"], legal_basis="《中华人民共和国行政处罚法》", domain="市场监管"
    )
    write_id = region_pb2.WriteId(client_id=f"py-{label}", request_id=1)
    reply = stub.RegisterAgency(
        region_pb2.RegisterAgencyRequest(write_id=write_id, agency=agency), timeout=30
    )
    if reply.WhichOneof("outcome") != "agency":
        fail(f"{label}: write refused: {reply}")
    listed = stub.ListAgencies(
        region_pb2.ListAgenciesRequest(consistency=region_pb2.LINEARIZABLE, limit=1000), timeout=30
    )
    if name not in [a.name for a in listed.agencies]:
        fail(f"{label}: the agency written is not read back")
    root = stub.LedgerRoot(region_pb2.LedgerRootRequest(), timeout=30)
    proof = stub.LedgerInclusion(
        region_pb2.InclusionRequest(leaf_index=reply.leaf_index, tree_size=root.size), timeout=30
    )
    leaf = sha256(b"\x00" + proof.leaf_data)
    if leaf != proof.leaf_hash:
        fail(f"{label}: the leaf hash is not SHA-256(0x00 || leaf data)")
    if name.encode() not in proof.leaf_data:
        fail(f"{label}: the proven leaf is not the write")
    if proof.root != root.root:
        fail(f"{label}: the proof's root is not the ledger root of size {root.size}")
    if not verify_inclusion(reply.leaf_index, root.size, leaf, list(proof.path), root.root):
        fail(f"{label}: the inclusion proof does not verify")
    # The same write id with another command: refused, nothing written.
    other = region_pb2.AgencyInput(
        name=name + "（另一项）", powers=["penalty"], legal_basis="《行政处罚法》", domain="市场监管"
    )
    try:
        stub.RegisterAgency(
            region_pb2.RegisterAgencyRequest(write_id=write_id, agency=other), timeout=30
        )
        fail(f"{label}: a write id replayed with another command was accepted")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.ALREADY_EXISTS:
            fail(f"{label}: a mismatched replay answered {e.code()}: {e.details()}")
    print(f"  {label}: wrote leaf {reply.leaf_index}, read it back, proof verified against "
          f"root of size {root.size}; a mismatched replay refused with ALREADY_EXISTS")


def typed(channel, label):
    """The typed API: an enum-typed write through Registry, its proof through Ledger, and a
    malformed field refused with google.rpc.ErrorInfo and BadRequest naming it."""
    registry = registry_pb2_grpc.RegistryStub(channel)
    ledger = ledger_pb2_grpc.LedgerStub(channel)
    name = "Python 类型化接口测试局"
    agency = types_pb2.AgencyInput(
        name=name, powers=[types_pb2.POWER_KIND_PENALTY, types_pb2.POWER_KIND_LICENSING],
        legal_basis="《中华人民共和国行政许可法》", domain="市场监管", contact="0731-0000",
    )
    write_id = region_pb2.WriteId(client_id=f"py-typed-{label}", request_id=1)
    reply = registry.RegisterAgency(
        registry_pb2.RegisterAgencyRequest(write_id=write_id, command=agency), timeout=30
    )
    wanted = [types_pb2.POWER_KIND_PENALTY, types_pb2.POWER_KIND_LICENSING]
    if reply.WhichOneof("outcome") != "agency" or list(reply.agency.powers) != wanted:
        fail(f"{label}: typed write: {reply}")
    listed = registry.ListAgencies(common_pb2.ReadRequest(), timeout=30)
    if [a.powers for a in listed.items if a.name == name] != [wanted]:
        fail(f"{label}: the typed read does not give the agency back as written")
    root = ledger.Root(region_pb2.LedgerRootRequest(), timeout=30)
    proof = ledger.Inclusion(
        region_pb2.InclusionRequest(leaf_index=reply.leaf_index, tree_size=root.size), timeout=30
    )
    leaf = sha256(b"\x00" + proof.leaf_data)
    if name.encode() not in proof.leaf_data or not verify_inclusion(
        reply.leaf_index, root.size, leaf, list(proof.path), root.root
    ):
        fail(f"{label}: the typed write's inclusion proof does not verify")
    bad = types_pb2.AgencyInput(name="x", powers=[types_pb2.POWER_KIND_UNSPECIFIED])
    try:
        registry.RegisterAgency(
            registry_pb2.RegisterAgencyRequest(
                write_id=region_pb2.WriteId(client_id=f"py-typed-{label}", request_id=2),
                command=bad,
            ),
            timeout=30,
        )
        fail(f"{label}: an unset enumeration was accepted")
    except grpc.RpcError as e:
        status = rpc_status.from_call(e)
        if e.code() != grpc.StatusCode.INVALID_ARGUMENT or status is None:
            fail(f"{label}: an unset enumeration answered {e.code()} without details")
        reason, field = None, None
        for d in status.details:
            if d.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                d.Unpack(info)
                reason = (info.reason, info.domain)
            if d.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                br = error_details_pb2.BadRequest()
                d.Unpack(br)
                field = br.field_violations[0].field
        if reason != ("INVALID_FIELD", "sanxiang") or field != "command.powers[0]":
            fail(f"{label}: details {reason} {field}")
    print(f"  {label}: typed Registry.RegisterAgency wrote leaf {reply.leaf_index}, ListAgencies read it "
          f"back with the same enums, Ledger proved it; "
          f"an unset enum refused with ErrorInfo INVALID_FIELD on {field}")


# 1. By the address, as the topology gives it (the certificate names the IP address).
by_address = grpc.secure_channel(address, creds)
check(by_address, "by address")
write_read_prove(by_address, "by-address", 1)
typed(by_address, "by-address")
# 2. By the documented DNS name (a deployment behind a load balancer or DNS).
by_name = grpc.secure_channel(
    address, creds, options=[("grpc.ssl_target_name_override", dns_name)]
)
check(by_name, "by DNS name")
write_read_prove(by_name, "by-name", 2)
# 3. Without a client certificate: told so in a status, not a broken connection.
anonymous = grpc.secure_channel(address, grpc.ssl_channel_credentials(root_certificates=read(ca)))
try:
    health_pb2_grpc.HealthStub(anonymous).Check(health_pb2.HealthCheckRequest(), timeout=10)
    fail("a client without a certificate was answered")
except grpc.RpcError as e:
    reason = dict(e.trailing_metadata() or ()).get("x-sanxiang-reason")
    if e.code() != grpc.StatusCode.UNAUTHENTICATED or reason != "NO_CERTIFICATE":
        fail(f"without a certificate: {e.code()} {reason} {e.details()}")
    print(f"  without a certificate: UNAUTHENTICATED, {e.details()}")
print("PASS: Python grpcio connected with the certificates pki init made")
