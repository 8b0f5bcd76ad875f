// The cluster's pod address space, shared by the node IPAM controller (which hands each node a
// /24 of it) and the agents' host-gateway network (which routes it between machines and
// masquerades only traffic that leaves it).
export const clusterCIDR = '10.244.0.0/16';
