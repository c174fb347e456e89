// Command wide parks one goroutine in each of 50 functions main.handle00 … main.handle49, each taking a
// string, a []string, a map[string]int, an interface, a *request, an error and an int64: a capture spec of
// 50 functions × 8 expressions, as a team's spec grows, must load and read them all. For every function it
// prints "wide FUNC {json}" (the values of name, tags, len(tags), id and req.Path a capture must find), then
// "ready pid=PID", and exits when standard input closes.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
)

type request struct {
	Path  string
	Owner *owner
}

type owner struct {
	Name string
}

type args struct {
	name   string
	tags   []string
	counts map[string]int
	v      interface{}
	req    *request
	err    error
	id     int64
}

var (
	parked  = make(chan int64, 50)
	release = make(chan struct{})
)

//go:noinline
func handle00(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle01(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle02(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle03(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle04(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle05(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle06(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle07(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle08(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle09(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle10(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle11(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle12(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle13(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle14(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle15(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle16(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle17(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle18(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle19(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle20(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle21(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle22(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle23(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle24(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle25(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle26(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle27(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle28(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle29(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle30(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle31(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle32(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle33(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle34(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle35(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle36(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle37(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle38(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle39(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle40(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle41(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle42(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle43(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle44(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle45(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle46(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle47(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle48(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

//go:noinline
func handle49(name string, tags []string, counts map[string]int, v interface{}, req *request, err error, id int64) {
	parked <- id
	<-release
	runtime.KeepAlive(name)
	runtime.KeepAlive(tags)
	runtime.KeepAlive(counts)
	runtime.KeepAlive(v)
	runtime.KeepAlive(req)
	runtime.KeepAlive(err)
}

func main() {
	a := make([]args, 50)
	for i := range a {
		tags := strings.Split("a,b,c,d,e"[:2*(i%3)+1], ",")
		a[i] = args{
			name:   fmt.Sprintf("fn%02d", i),
			tags:   tags,
			counts: map[string]int{"calls": i, "errors": i % 7},
			v:      fmt.Sprintf("value-%d", i),
			req:    &request{Path: fmt.Sprintf("/w/%d", i), Owner: &owner{Name: "team"}},
			err:    errors.New("failed " + fmt.Sprint(i)),
			id:     int64(7000 + i),
		}
		b, _ := json.Marshal(map[string]interface{}{"name": a[i].name, "tags": tags, "len(tags)": len(tags), "id": a[i].id, "req.Path": a[i].req.Path})
		fmt.Printf("wide main.handle%02d %s\n", i, b)
	}
	go handle00(a[0].name, a[0].tags, a[0].counts, a[0].v, a[0].req, a[0].err, a[0].id)
	go handle01(a[1].name, a[1].tags, a[1].counts, a[1].v, a[1].req, a[1].err, a[1].id)
	go handle02(a[2].name, a[2].tags, a[2].counts, a[2].v, a[2].req, a[2].err, a[2].id)
	go handle03(a[3].name, a[3].tags, a[3].counts, a[3].v, a[3].req, a[3].err, a[3].id)
	go handle04(a[4].name, a[4].tags, a[4].counts, a[4].v, a[4].req, a[4].err, a[4].id)
	go handle05(a[5].name, a[5].tags, a[5].counts, a[5].v, a[5].req, a[5].err, a[5].id)
	go handle06(a[6].name, a[6].tags, a[6].counts, a[6].v, a[6].req, a[6].err, a[6].id)
	go handle07(a[7].name, a[7].tags, a[7].counts, a[7].v, a[7].req, a[7].err, a[7].id)
	go handle08(a[8].name, a[8].tags, a[8].counts, a[8].v, a[8].req, a[8].err, a[8].id)
	go handle09(a[9].name, a[9].tags, a[9].counts, a[9].v, a[9].req, a[9].err, a[9].id)
	go handle10(a[10].name, a[10].tags, a[10].counts, a[10].v, a[10].req, a[10].err, a[10].id)
	go handle11(a[11].name, a[11].tags, a[11].counts, a[11].v, a[11].req, a[11].err, a[11].id)
	go handle12(a[12].name, a[12].tags, a[12].counts, a[12].v, a[12].req, a[12].err, a[12].id)
	go handle13(a[13].name, a[13].tags, a[13].counts, a[13].v, a[13].req, a[13].err, a[13].id)
	go handle14(a[14].name, a[14].tags, a[14].counts, a[14].v, a[14].req, a[14].err, a[14].id)
	go handle15(a[15].name, a[15].tags, a[15].counts, a[15].v, a[15].req, a[15].err, a[15].id)
	go handle16(a[16].name, a[16].tags, a[16].counts, a[16].v, a[16].req, a[16].err, a[16].id)
	go handle17(a[17].name, a[17].tags, a[17].counts, a[17].v, a[17].req, a[17].err, a[17].id)
	go handle18(a[18].name, a[18].tags, a[18].counts, a[18].v, a[18].req, a[18].err, a[18].id)
	go handle19(a[19].name, a[19].tags, a[19].counts, a[19].v, a[19].req, a[19].err, a[19].id)
	go handle20(a[20].name, a[20].tags, a[20].counts, a[20].v, a[20].req, a[20].err, a[20].id)
	go handle21(a[21].name, a[21].tags, a[21].counts, a[21].v, a[21].req, a[21].err, a[21].id)
	go handle22(a[22].name, a[22].tags, a[22].counts, a[22].v, a[22].req, a[22].err, a[22].id)
	go handle23(a[23].name, a[23].tags, a[23].counts, a[23].v, a[23].req, a[23].err, a[23].id)
	go handle24(a[24].name, a[24].tags, a[24].counts, a[24].v, a[24].req, a[24].err, a[24].id)
	go handle25(a[25].name, a[25].tags, a[25].counts, a[25].v, a[25].req, a[25].err, a[25].id)
	go handle26(a[26].name, a[26].tags, a[26].counts, a[26].v, a[26].req, a[26].err, a[26].id)
	go handle27(a[27].name, a[27].tags, a[27].counts, a[27].v, a[27].req, a[27].err, a[27].id)
	go handle28(a[28].name, a[28].tags, a[28].counts, a[28].v, a[28].req, a[28].err, a[28].id)
	go handle29(a[29].name, a[29].tags, a[29].counts, a[29].v, a[29].req, a[29].err, a[29].id)
	go handle30(a[30].name, a[30].tags, a[30].counts, a[30].v, a[30].req, a[30].err, a[30].id)
	go handle31(a[31].name, a[31].tags, a[31].counts, a[31].v, a[31].req, a[31].err, a[31].id)
	go handle32(a[32].name, a[32].tags, a[32].counts, a[32].v, a[32].req, a[32].err, a[32].id)
	go handle33(a[33].name, a[33].tags, a[33].counts, a[33].v, a[33].req, a[33].err, a[33].id)
	go handle34(a[34].name, a[34].tags, a[34].counts, a[34].v, a[34].req, a[34].err, a[34].id)
	go handle35(a[35].name, a[35].tags, a[35].counts, a[35].v, a[35].req, a[35].err, a[35].id)
	go handle36(a[36].name, a[36].tags, a[36].counts, a[36].v, a[36].req, a[36].err, a[36].id)
	go handle37(a[37].name, a[37].tags, a[37].counts, a[37].v, a[37].req, a[37].err, a[37].id)
	go handle38(a[38].name, a[38].tags, a[38].counts, a[38].v, a[38].req, a[38].err, a[38].id)
	go handle39(a[39].name, a[39].tags, a[39].counts, a[39].v, a[39].req, a[39].err, a[39].id)
	go handle40(a[40].name, a[40].tags, a[40].counts, a[40].v, a[40].req, a[40].err, a[40].id)
	go handle41(a[41].name, a[41].tags, a[41].counts, a[41].v, a[41].req, a[41].err, a[41].id)
	go handle42(a[42].name, a[42].tags, a[42].counts, a[42].v, a[42].req, a[42].err, a[42].id)
	go handle43(a[43].name, a[43].tags, a[43].counts, a[43].v, a[43].req, a[43].err, a[43].id)
	go handle44(a[44].name, a[44].tags, a[44].counts, a[44].v, a[44].req, a[44].err, a[44].id)
	go handle45(a[45].name, a[45].tags, a[45].counts, a[45].v, a[45].req, a[45].err, a[45].id)
	go handle46(a[46].name, a[46].tags, a[46].counts, a[46].v, a[46].req, a[46].err, a[46].id)
	go handle47(a[47].name, a[47].tags, a[47].counts, a[47].v, a[47].req, a[47].err, a[47].id)
	go handle48(a[48].name, a[48].tags, a[48].counts, a[48].v, a[48].req, a[48].err, a[48].id)
	go handle49(a[49].name, a[49].tags, a[49].counts, a[49].v, a[49].req, a[49].err, a[49].id)
	for i := 0; i < 50; i++ {
		<-parked
	}
	fmt.Printf("ready pid=%d\n", os.Getpid())
	io.Copy(io.Discard, os.Stdin)
	close(release)
}
