#!/usr/bin/python3
"""Builds input.pcap: AWS-mirror-shaped VXLAN frames covering the decoder's edge cases.

Run with the system python (scapy): /usr/bin/python3 make.py
Each packet's purpose is in its comment; README.md says what the case proves.
"""
from scapy.all import Ether, IP, IPv6, UDP, TCP, Dot1Q, Raw, DNS, DNSQR, wrpcap
from scapy.layers.inet6 import IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment
from scapy.layers.vxlan import VXLAN
from scapy.layers.tls.all import TLS, TLSClientHello, TLS_Ext_ServerName, ServerName, TLS_Ext_SupportedGroups

T0 = 1700000000.0
VNI = 5569041


def mirror(inner, t, sport=40000):
    """Outer Ethernet/IPv4/UDP 4789/VXLAN, as Traffic Mirroring delivers to its target."""
    p = Ether(src="02:00:00:00:00:01", dst="02:00:00:00:00:02") / IP(src="10.9.0.10", dst="10.9.0.20") / UDP(sport=sport, dport=4789) / VXLAN(vni=VNI, flags=0x08) / inner
    p.time = t
    return p


def eth(l3):
    return Ether(src="0a:00:00:00:00:01", dst="0a:00:00:00:00:02") / l3


pkts = []
# 1. 802.1Q inside VXLAN: a DNS query on VLAN 10
pkts.append(mirror(Ether(src="0a:00:00:00:00:01", dst="0a:00:00:00:00:02") / Dot1Q(vlan=10) / IP(src="172.31.0.5", dst="172.31.0.2") / UDP(sport=33333, dport=53) / DNS(id=0x1234, rd=1, qd=DNSQR(qname="vlan.example.com")), T0))

# 2. IPv6 with hop-by-hop, destination options and an atomic fragment header, carrying a DNS query
v6 = IPv6(src="2001:db8::5", dst="2001:db8::53") / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrFragment(offset=0, m=0, id=7) / UDP(sport=44444, dport=53) / DNS(id=0x5678, rd=1, qd=DNSQR(qname="v6.example.com", qtype="AAAA"))
pkts.append(mirror(eth(v6), T0 + 0.1))

# 3. a TLS ClientHello split across three TCP segments (SNI split.example.com), after a handshake
c, s = "172.31.0.5", "93.184.216.34"
hello = bytes(TLS(msg=[TLSClientHello(version=0x0303, ciphers=[0x1301, 0xc02f], ext=[TLS_Ext_ServerName(servernames=[ServerName(servername=b"split.example.com")]), TLS_Ext_SupportedGroups(groups=[29, 23])])]))
isn_c, isn_s = 1000, 5000
pkts.append(mirror(eth(IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="S", seq=isn_c)), T0 + 0.2))
pkts.append(mirror(eth(IP(src=s, dst=c) / TCP(sport=443, dport=50000, flags="SA", seq=isn_s, ack=isn_c + 1)), T0 + 0.21))
pkts.append(mirror(eth(IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="A", seq=isn_c + 1, ack=isn_s + 1)), T0 + 0.22))
cuts = [0, 7, 40, len(hello)]
for i in range(3):
    seg = hello[cuts[i]:cuts[i + 1]]
    pkts.append(mirror(eth(IP(src=c, dst=s) / TCP(sport=50000, dport=443, flags="PA", seq=isn_c + 1 + cuts[i], ack=isn_s + 1) / Raw(seg)), T0 + 0.23 + i * 0.01))

# 4. a DNS response whose answer name is a compression pointer to itself (a loop): must be an anomaly, not a hang
hdr = bytes.fromhex("9abc 8180 0001 0001 0000 0000")
q = b"\x04loop\x07example\x03com\x00" + b"\x00\x01\x00\x01"
ans_off = 12 + len(q)
ans = bytes([0xC0 | (ans_off >> 8), ans_off & 0xFF]) + b"\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04\x01\x02\x03\x04"
pkts.append(mirror(eth(IP(src="172.31.0.2", dst="172.31.0.5") / UDP(sport=53, dport=33334) / Raw(hdr + q + ans)), T0 + 0.3))

# 5. truncated by the session's PacketLength: an HTTP request cut 20 bytes into the TCP header
full = mirror(eth(IP(src=c, dst="198.51.100.7") / TCP(sport=50001, dport=80, flags="PA", seq=1, ack=1) / Raw(b"GET /cut HTTP/1.1\r\nHost: cut.example\r\n\r\n")), T0 + 0.4)
raw = bytes(full)
cut = Ether(raw[: 50 + 14 + 20 + 10])
cut.time = T0 + 0.4
pkts.append(cut)

wrpcap("input.pcap", pkts)
