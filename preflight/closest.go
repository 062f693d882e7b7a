package preflight

import (
	"errors"
	"sort"
	"strings"
)

func asReadError(err error, re **readError) bool { return errors.As(err, re) }

// closest returns up to n of names nearest to s (edit distance, case
// ignored), nearest first: the suggestions for a misspelt name.
func closest(s string, names []string, n int) []string {
	type scored struct {
		name string
		d    int
	}
	var all []scored
	for _, name := range names {
		all = append(all, scored{name, distance(strings.ToLower(s), strings.ToLower(name))})
	}
	sort.SliceStable(all, func(i, j int) bool {
		if all[i].d != all[j].d {
			return all[i].d < all[j].d
		}
		return all[i].name < all[j].name
	})
	var out []string
	for _, x := range all {
		if len(out) == n {
			break
		}
		out = append(out, x.name)
	}
	return out
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
