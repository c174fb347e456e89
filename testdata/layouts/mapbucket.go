//go:build !go1.24

package main

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Up to Go 1.23 a map keeps its entries in buckets whose layout the compiler decides (one struct per
// map type: tophash bytes, keys, elems, overflow pointer) and records only in the map's type
// descriptor, which reflect does not expose. These mirror that descriptor as the runtime declares it
// (runtime._type and runtime.maptype in 1.19–1.20, internal/abi.Type and abi.MapType in 1.21–1.23,
// the same layout), so the program can hand the bucket type to reflect and print its layout. From
// Go 1.24 maps are Swiss tables and have no buckets: this file is not built there.

type typeDescriptor struct {
	size       uintptr
	ptrdata    uintptr
	hash       uint32
	tflag      uint8
	align      uint8
	fieldAlign uint8
	kind       uint8
	equal      func(unsafe.Pointer, unsafe.Pointer) bool
	gcdata     *byte
	str        int32
	ptrToThis  int32
}

type mapTypeDescriptor struct {
	typ        typeDescriptor
	key        *typeDescriptor
	elem       *typeDescriptor
	bucket     *typeDescriptor
	hasher     func(unsafe.Pointer, uintptr) uintptr
	keysize    uint8
	elemsize   uint8
	bucketsize uint16
	flags      uint32
}

type emptyInterface struct {
	typ  *typeDescriptor
	data unsafe.Pointer
}

// describeBucket prints the bucket of m's map type (m must hold a map):
//
//	bucket MAP size=S align=A
//	bucketfield MAP FIELD offset=O size=S type=T
func describeBucket(m interface{}) {
	sink = append(sink, m)
	mt := (*mapTypeDescriptor)(unsafe.Pointer((*emptyInterface)(unsafe.Pointer(&m)).typ))
	var bucket interface{}
	(*emptyInterface)(unsafe.Pointer(&bucket)).typ = mt.bucket
	t := reflect.TypeOf(bucket)
	// The descriptor's own sizes must agree with the type it points to, or the mirror above is wrong.
	if t.Kind() != reflect.Struct || uintptr(mt.bucketsize) != t.Size() || mt.key.size != reflect.TypeOf(m).Key().Size() {
		panic(fmt.Sprintf("map type descriptor mirror does not match %s: bucket kind %s, bucketsize %d, size %d",
			reflect.TypeOf(m), t.Kind(), mt.bucketsize, t.Size()))
	}
	name := reflect.TypeOf(m).String()
	fmt.Printf("bucket %s size=%d align=%d\n", name, t.Size(), t.Align())
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fmt.Printf("bucketfield %s %s offset=%d size=%d type=%s\n", name, f.Name, f.Offset, f.Type.Size(), f.Type.String())
	}
}

func init() {
	describeBucket(labels)
}
