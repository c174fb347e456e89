// Command layouts prints the memory layout of its own types as the compiler laid them out,
// through reflect (the same numbers as unsafe.Sizeof/Alignof/Offsetof):
//
//	type NAME size=S align=A kind=K
//	field NAME FIELD offset=O size=S type=T
package main

import (
	"fmt"
	"reflect"
	"sync"
	"time"
	"unsafe"
)

type Celsius float64

type Item struct {
	SKU   string
	Count int32
	Tags  []string
}

type Order struct {
	ID        uint64
	Customer  *Customer
	Items     []Item
	Notes     [3]string
	Flags     byte
	Total     Celsius
	Attrs     map[string]int
	ByID      map[int64]*Item
	Done      chan struct{}
	Events    <-chan int
	Handler   func(int) error
	Value     interface{}
	Err       error
	Stringer  fmt.Stringer
	Created   time.Time
	mu        sync.Mutex
	small     int8
	big       int64
	nested    struct{ A, B int16 }
	ptr       unsafe.Pointer
	Matrix    [2][3]float32
	Complex   complex128
	Unit      struct{}
	Recursive *Order
}

type Customer struct {
	Name    string
	Age     uint8
	Balance float64
	Active  bool
	Orders  []*Order
}

type Pair[K comparable, V any] struct {
	Key   K
	Value V
	Next  *Pair[K, V]
}

type List[T any] struct {
	Head  *Node[T]
	Count int
}

type Node[T any] struct {
	Value T
	Next  *Node[T]
}

type Shape interface {
	Area() float64
}

type Rect struct{ W, H float64 }

func (r Rect) Area() float64 { return r.W * r.H }

// sink keeps every type reachable so the linker writes its DWARF.
var sink []interface{}

// labels has the type runtime/pprof keeps goroutine labels in up to Go 1.23. As a package variable its
// type (and, before Go 1.24, the linker's hash<string,string> and bucket<string,string>) is in the DWARF
// of every build.
var labels = map[string]string{"k": "v"}

func describe(v interface{}) {
	sink = append(sink, v)
	t := reflect.TypeOf(v)
	fmt.Printf("type %s size=%d align=%d kind=%s\n", t.String(), t.Size(), t.Align(), t.Kind())
	if t.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fmt.Printf("field %s %s offset=%d size=%d type=%s\n", t.String(), f.Name, f.Offset, f.Type.Size(), f.Type.String())
	}
}

func main() {
	describe(Order{})
	describe(Customer{})
	describe(Item{})
	describe(Celsius(0))
	describe(Pair[int, string]{})
	describe(Pair[string, *Order]{})
	describe(List[float64]{})
	describe(Node[float64]{})
	describe(Rect{})
	var s Shape = Rect{1, 2}
	sink = append(sink, s.Area())
	describe(time.Time{})
	describe(sync.Mutex{})
	sink = append(sink, labels)
}
