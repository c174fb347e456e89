// Command dwarfdump reads a binary's DWARF with Go's own debug/dwarf, to check SideEye's
// reader against an independent one. Usage:
//
//	dwarfdump BINARY struct NAME...   "type NAME size=S" then "field NAME FIELD offset=O type=T"
//	dwarfdump BINARY const PREFIX     "const NAME VALUE" for every DW_TAG_constant whose name starts with PREFIX
//	dwarfdump BINARY var NAME...      "var NAME addr=0xA type=T"
//	dwarfdump BINARY summary          "units N", "funcs N", "types N", "version V": funcs counts the top-level
//	                                  subprograms with code (low_pc or ranges), types the top-level type DIEs
//	dwarfdump BINARY lines PC...      "line 0xPC FILE:LINE" from the line tables
//	dwarfdump BINARY ranges           "func 0xOFF NAME" then "range 0xLO 0xHI" for each code range (debug/dwarf Ranges:
//	                                  .debug_ranges or .debug_rnglists); the same with "inl 0xOFF" for inlined calls
package main

import (
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"strconv"
	"strings"
)

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: dwarfdump BINARY struct|const|var|summary|lines|ranges ARGS...")
		os.Exit(2)
	}
	f, err := elf.Open(os.Args[1])
	check(err)
	d, err := f.DWARF()
	check(err)
	args := os.Args[3:]
	switch os.Args[2] {
	case "struct":
		want := set(args)
		eachTopLevel(d, func(e *dwarf.Entry) {
			name, _ := e.Val(dwarf.AttrName).(string)
			if e.Tag != dwarf.TagStructType || !want[name] {
				return
			}
			delete(want, name)
			t, err := d.Type(e.Offset)
			check(err)
			st := t.(*dwarf.StructType)
			fmt.Printf("type %s size=%d\n", name, st.ByteSize)
			for _, fl := range st.Field {
				fmt.Printf("field %s %s offset=%d type=%s\n", name, fl.Name, fl.ByteOffset, fl.Type.String())
			}
		})
	case "const":
		eachTopLevel(d, func(e *dwarf.Entry) {
			name, _ := e.Val(dwarf.AttrName).(string)
			if e.Tag == dwarf.TagConstant && strings.HasPrefix(name, args[0]) {
				fmt.Printf("const %s %v\n", name, e.Val(dwarf.AttrConstValue))
			}
		})
	case "var":
		want := set(args)
		eachTopLevel(d, func(e *dwarf.Entry) {
			name, _ := e.Val(dwarf.AttrName).(string)
			loc, _ := e.Val(dwarf.AttrLocation).([]byte)
			if e.Tag == dwarf.TagVariable && want[name] && len(loc) == 9 && loc[0] == 0x03 { // DW_OP_addr
				var a uint64
				for i := 8; i >= 1; i-- {
					a = a<<8 | uint64(loc[i])
				}
				fmt.Printf("var %s addr=0x%x\n", name, a)
			}
		})
	case "summary":
		units, funcs, types := 0, 0, 0
		version := 0
		r := d.Reader()
		for {
			e, err := r.Next()
			check(err)
			if e == nil {
				break
			}
			switch {
			case e.Tag == dwarf.TagCompileUnit:
				units++
				continue // descend into the unit: its children are the top-level DIEs
			case e.Tag == dwarf.TagSubprogram:
				if e.Val(dwarf.AttrLowpc) != nil || e.Val(dwarf.AttrRanges) != nil {
					funcs++
				}
			case typeTags[e.Tag]:
				types++
			}
			r.SkipChildren()
		}
		sec := f.Section(".debug_info")
		if sec != nil {
			data, err := sec.Data()
			check(err)
			if len(data) > 6 {
				version = int(data[4]) | int(data[5])<<8
			}
		}
		fmt.Printf("units %d\nfuncs %d\ntypes %d\nversion %d\n", units, funcs, types, version)
	case "ranges":
		r := d.Reader()
		for {
			e, err := r.Next()
			check(err)
			if e == nil {
				break
			}
			switch e.Tag {
			case dwarf.TagSubprogram, dwarf.TagInlinedSubroutine:
				if e.Val(dwarf.AttrLowpc) == nil && e.Val(dwarf.AttrRanges) == nil {
					if e.Tag == dwarf.TagSubprogram {
						r.SkipChildren()
					}
					continue
				}
				rs, err := d.Ranges(e)
				check(err)
				if e.Tag == dwarf.TagSubprogram {
					name, _ := e.Val(dwarf.AttrName).(string)
					fmt.Printf("func 0x%x %s\n", e.Offset, name)
				} else {
					fmt.Printf("inl 0x%x\n", e.Offset)
				}
				for _, rg := range rs {
					fmt.Printf("range 0x%x 0x%x\n", rg[0], rg[1])
				}
			case dwarf.TagCompileUnit, dwarf.TagLexDwarfBlock:
			default:
				r.SkipChildren()
			}
		}
	case "lines":
		pcs := map[uint64]bool{}
		for _, a := range args {
			pc, err := strconv.ParseUint(strings.TrimPrefix(a, "0x"), 16, 64)
			check(err)
			pcs[pc] = true
		}
		r := d.Reader()
		for {
			e, err := r.Next()
			check(err)
			if e == nil {
				break
			}
			if e.Tag != dwarf.TagCompileUnit {
				r.SkipChildren()
				continue
			}
			lr, err := d.LineReader(e)
			check(err)
			if lr == nil {
				continue
			}
			var prev dwarf.LineEntry
			have := false
			var le dwarf.LineEntry
			for lr.Next(&le) == nil {
				if have && !prev.EndSequence {
					for pc := range pcs {
						if pc >= prev.Address && pc < le.Address {
							fmt.Printf("line 0x%x %s:%d\n", pc, prev.File.Name, prev.Line)
							delete(pcs, pc)
						}
					}
				}
				prev, have = le, true
			}
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", os.Args[2])
		os.Exit(2)
	}
}

// typeTags are the DWARF tags that describe types (DWARF 5 section 5).
var typeTags = map[dwarf.Tag]bool{
	dwarf.TagArrayType: true, dwarf.TagClassType: true, dwarf.TagEnumerationType: true, dwarf.TagPointerType: true,
	dwarf.TagReferenceType: true, dwarf.TagStringType: true, dwarf.TagStructType: true, dwarf.TagSubroutineType: true,
	dwarf.TagTypedef: true, dwarf.TagUnionType: true, dwarf.TagPtrToMemberType: true, dwarf.TagSetType: true,
	dwarf.TagBaseType: true, dwarf.TagConstType: true, dwarf.TagFileType: true, dwarf.TagPackedType: true,
	dwarf.TagVolatileType: true, dwarf.TagRestrictType: true, dwarf.TagInterfaceType: true, dwarf.TagUnspecifiedType: true,
	dwarf.TagSharedType: true, dwarf.TagRvalueReferenceType: true, dwarf.Tag(0x47): true, dwarf.Tag(0x4b): true,
}

// eachTopLevel calls fn for every DIE directly inside a compile unit.
func eachTopLevel(d *dwarf.Data, fn func(*dwarf.Entry)) {
	r := d.Reader()
	for {
		e, err := r.Next()
		check(err)
		if e == nil {
			return
		}
		if e.Tag == dwarf.TagCompileUnit {
			continue
		}
		fn(e)
		r.SkipChildren()
	}
}

func set(xs []string) map[string]bool {
	m := map[string]bool{}
	for _, x := range xs {
		m[x] = true
	}
	return m
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "dwarfdump:", err)
		os.Exit(1)
	}
}
