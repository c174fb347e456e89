// Command inlined records stacks inside chains of inlined calls. For every PC that
// runtime.Callers returns, it prints "pc 0xPC" and then, innermost first, one
// "frame FUNC FILE:LINE" line per frame runtime.CallersFrames expands that PC into.
package main

import (
	"fmt"
	"runtime"
)

var depth int

func leaf(n int) []uintptr {
	pcs := make([]uintptr, 64)
	k := runtime.Callers(1, pcs)
	depth += n
	return pcs[:k]
}

func middle(n int) []uintptr { return leaf(n + 1) }

func outer(n int) []uintptr { return middle(n * 2) }

type acc struct{ total int }

func (a *acc) add(n int) []uintptr {
	a.total += n
	return outer(a.total)
}

//go:noinline
func notInlined(a *acc) []uintptr { return a.add(3) }

func closureChain() []uintptr {
	f := func(x int) []uintptr { return outer(x) }
	return f(7)
}

func generic[T any](v T) []uintptr {
	_ = v
	return middle(1)
}

func dump(pcs []uintptr) {
	for _, pc := range pcs {
		fmt.Printf("pc 0x%x\n", pc)
		frames := runtime.CallersFrames([]uintptr{pc})
		for {
			f, more := frames.Next()
			fmt.Printf("frame %s %s:%d\n", f.Function, f.File, f.Line)
			if !more {
				break
			}
		}
	}
}

func main() {
	dump(notInlined(&acc{}))
	dump(closureChain())
	dump(generic("s"))
	dump(generic(1.5))
}
