package indicators

import (
	"sort"
	"strings"
)

// Topics lists the catalogue's topics, each once, in alphabetical order (case-insensitive).
func (c *Catalog) Topics() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range c.All() {
		if !seen[d.Topic] {
			seen[d.Topic] = true
			out = append(out, d.Topic)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := strings.ToLower(out[i]), strings.ToLower(out[j])
		if a != b {
			return a < b
		}
		return out[i] < out[j]
	})
	return out
}

// Find returns the definitions, in id order, that are in topic (compared case-insensitively;
// every topic when topic is "") and whose title or description holds every word of q (each
// compared case-insensitively, as a part of the text: "exclu" finds "exclusion"; every
// definition when q has no words). An unknown topic finds nothing.
func (c *Catalog) Find(topic, q string) []*Definition {
	topic = strings.TrimSpace(topic)
	words := strings.Fields(strings.ToLower(q))
	out := []*Definition{}
	for _, d := range c.All() {
		if topic != "" && !strings.EqualFold(d.Topic, topic) {
			continue
		}
		text := strings.ToLower(d.Title + "\n" + d.Description)
		all := true
		for _, w := range words {
			if !strings.Contains(text, w) {
				all = false
				break
			}
		}
		if all {
			out = append(out, d)
		}
	}
	return out
}
