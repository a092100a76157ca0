package libvirttest

// treeNode is what snapshots and checkpoints share: a name and the name
// of their parent ("" for a root), kept in creation order per domain.
type treeNode interface{ names() (name, parent string) }

func (s *snapshot) names() (string, string)   { return s.name, s.parent }
func (c *checkpoint) names() (string, string) { return c.name, c.parent }

// nodeByName finds the node called name.
func nodeByName[T treeNode](nodes []T, name string) (T, bool) {
	for _, n := range nodes {
		if nn, _ := n.names(); nn == name {
			return n, true
		}
	}
	var zero T
	return zero, false
}

// nodeChildren are the nodes whose parent is name, or with all every
// descendant, in creation order.
func nodeChildren[T treeNode](nodes []T, name string, all bool) []T {
	var out []T
	for _, n := range nodes {
		nn, parent := n.names()
		if parent == name {
			out = append(out, n)
			if all {
				out = append(out, nodeChildren(nodes, nn, true)...)
			}
		}
	}
	return out
}
