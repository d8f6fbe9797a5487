package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
)

var marker = []byte("bench t=")

// Client is one user's socket: a reader goroutine notes deliveries; a sender goroutine (for users that send)
// writes publish frames when the pacer hands it a room.
type Client struct {
	user    int
	conn    *websocket.Conn
	writing sync.Mutex
	mu      sync.Mutex
	latency []int32 // µs, deliveries of the current step
	closed  atomic.Bool
	jobs    chan int
}

func (c *Client) write(frame []byte) error {
	c.writing.Lock()
	defer c.writing.Unlock()
	return c.conn.WriteMessage(websocket.TextMessage, frame)
}

// Meter is what the readers report into during a step.
type Meter struct {
	step         atomic.Int64
	delivered    atomic.Int64
	lastDelivery atomic.Int64 // unix ns
	errors       atomic.Int64
	firstError   atomic.Value
	closes       atomic.Int64
	closeReason  atomic.Value
}

func (m *Meter) noteDelivery(now int64) {
	m.delivered.Add(1)
	for {
		last := m.lastDelivery.Load()
		if now <= last || m.lastDelivery.CompareAndSwap(last, now) {
			return
		}
	}
}

var errorMarks = [][]byte{[]byte(`"type": "error"`), []byte(`"type":"error"`), []byte(`"error":{`)}

func (r *Runner) read(c *Client) {
	for {
		_, frame, err := c.conn.ReadMessage()
		if err != nil {
			if !c.closed.Swap(true) && !r.stopping.Load() {
				r.meter.closes.Add(1)
				r.meter.closeReason.CompareAndSwap(nil, err.Error())
			}
			return
		}
		now := time.Now().UnixNano()
		if reply := r.target.Reply(frame); reply != nil {
			_ = c.write(reply)
		}
		for _, mark := range errorMarks {
			if bytes.Contains(frame, mark) {
				r.meter.errors.Add(1)
				r.meter.firstError.CompareAndSwap(nil, string(frame[:min(len(frame), 300)]))
				break
			}
		}
		step := r.meter.step.Load()
		rest := frame
		for {
			at := bytes.Index(rest, marker)
			if at < 0 {
				break
			}
			rest = rest[at+len(marker):]
			sent, n := leadingInt(rest)
			rest = rest[n:]
			if !bytes.HasPrefix(rest, []byte(" k=")) {
				continue
			}
			k, m := leadingInt(rest[3:])
			rest = rest[3+m:]
			if k != step {
				continue
			}
			micros := (now - sent) / 1000
			c.mu.Lock()
			c.latency = append(c.latency, int32(min(micros, math.MaxInt32)))
			c.mu.Unlock()
			r.meter.noteDelivery(now)
		}
	}
}

func leadingInt(b []byte) (int64, int) {
	var v int64
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		v = v*10 + int64(b[n]-'0')
		n++
	}
	return v, n
}

type Idle struct {
	Connections   int     `json:"connections"`
	RSSBeforeKB   int64   `json:"server_rss_before_kb"`
	RSSAfterKB    int64   `json:"server_rss_after_kb"`
	KBPerConn     float64 `json:"kb_per_idle_connection"`
	DialSeconds   float64 `json:"dial_seconds"`
	SettleSeconds float64 `json:"settle_seconds"`
}

type Step struct {
	TargetDeliveriesPerS float64 `json:"target_deliveries_per_s"`
	TargetMessagesPerS   float64 `json:"target_messages_per_s"`
	Sent                 int64   `json:"messages_sent"`
	Expected             int64   `json:"expected_deliveries"`
	Delivered            int64   `json:"delivered"`
	DeliveriesPerS       float64 `json:"deliveries_per_s"`
	P50Ms                float64 `json:"p50_ms"`
	P99Ms                float64 `json:"p99_ms"`
	MaxMs                float64 `json:"max_ms"`
	Errors               int64   `json:"errors"`
	FirstError           string  `json:"first_error,omitempty"`
	Closed               int64   `json:"sockets_closed"`
	CloseReason          string  `json:"close_reason,omitempty"`
	Seconds              float64 `json:"seconds"`
	ServerCPUSeconds     float64 `json:"server_cpu_seconds"`
	ServerCPUPer1000     float64 `json:"server_cpu_seconds_per_1000_deliveries"`
	BusCPUSeconds        float64 `json:"bus_cpu_seconds"`
	LoadgenCPUSeconds    float64 `json:"loadgen_cpu_seconds"`
}

type Scenario struct {
	Name        string  `json:"name"`
	Rooms       int     `json:"rooms"`
	Members     int     `json:"members_per_room"`
	Senders     int     `json:"sending_sockets"`
	Steps       []Step  `json:"steps"`
	StopReason  string  `json:"stop_reason"`
	Best        float64 `json:"best_deliveries_per_s_p99_under_100ms"`
	BestP99Ms   float64 `json:"best_step_p99_ms"`
	BestCPUPer  float64 `json:"best_step_server_cpu_seconds_per_1000_deliveries"`
	Redialled   int     `json:"sockets_redialled_before"`
	PeakPerS    float64 `json:"peak_deliveries_per_s"`
	PeakP99Ms   float64 `json:"peak_step_p99_ms"`
	MaxSentPerS float64 `json:"max_messages_per_s_sent"`
}

type Report struct {
	Target       string     `json:"target"`
	Users        int        `json:"users"`
	TextBytes    int        `json:"text_bytes"`
	StepSeconds  float64    `json:"step_seconds"`
	SetupSeconds float64    `json:"setup_seconds"`
	Idle         Idle       `json:"idle"`
	Scenarios    []Scenario `json:"scenarios"`
}

type Runner struct {
	target   Target
	plan     Plan
	opts     Options
	clients  []*Client
	meter    *Meter
	stopping atomic.Bool
	steps    int64
}

func Run(target Target, plan Plan, o Options) (*Report, error) {
	r := &Runner{target: target, plan: plan, opts: o, meter: &Meter{}, clients: make([]*Client, plan.Users)}
	report := &Report{Target: target.Name(), Users: plan.Users, TextBytes: o.TextBytes, StepSeconds: o.StepSeconds}
	started := time.Now()
	if err := target.Prepare(plan); err != nil {
		return nil, err
	}
	report.SetupSeconds = time.Since(started).Seconds()
	before := rssKB(o.ServerPIDs)
	dialStart := time.Now()
	if err := r.dial(allUsers(plan.Users)); err != nil {
		return nil, err
	}
	dialSeconds := time.Since(dialStart).Seconds()
	settle := 3 * time.Second
	time.Sleep(settle)
	after := rssKB(o.ServerPIDs)
	report.Idle = Idle{
		Connections: plan.Users, RSSBeforeKB: before, RSSAfterKB: after, DialSeconds: dialSeconds,
		SettleSeconds: settle.Seconds(), KBPerConn: float64(after-before) / float64(plan.Users),
	}
	say("%s: %d sockets in %.1fs; server RSS %d → %d KB (%.1f KB per idle socket)", target.Name(), plan.Users,
		dialSeconds, before, after, report.Idle.KBPerConn)
	members := plan.Members()
	for _, name := range o.Scenarios {
		var rooms []int
		if name == "one-room" {
			rooms = []int{0}
		} else {
			for room := 1; room <= plan.Rooms; room++ {
				rooms = append(rooms, room)
			}
		}
		scenario, err := r.scenario(name, rooms, members)
		if err != nil {
			return nil, err
		}
		report.Scenarios = append(report.Scenarios, scenario)
	}
	r.stopping.Store(true)
	for _, c := range r.clients {
		if c != nil {
			c.conn.Close()
		}
	}
	return report, nil
}

func allUsers(n int) []int {
	users := make([]int, n)
	for i := range users {
		users[i] = i
	}
	return users
}

func (r *Runner) dial(users []int) error {
	return parallel(len(users), r.opts.Concurrency, func(k int) error {
		user := users[k]
		conn, err := r.target.Dial(r.plan, user)
		if err != nil {
			return fmt.Errorf("socket of user %d: %w", user, err)
		}
		c := &Client{user: user, conn: conn}
		r.clients[user] = c
		go r.read(c)
		return nil
	})
}

// senders picks, per room, the members whose sockets send into it: the big room spreads over up to 8 of them,
// a small room has one (its first member), so no socket's frames queue behind another room's.
func senders(rooms []int, members [][]int) map[int][]int {
	out := map[int][]int{}
	for _, room := range rooms {
		n := 1
		if len(rooms) == 1 {
			n = min(8, len(members[room]))
		}
		out[room] = members[room][:n]
	}
	return out
}

func (r *Runner) scenario(name string, rooms []int, members [][]int) (Scenario, error) {
	var closed []int
	for _, c := range r.clients {
		if c.closed.Load() {
			closed = append(closed, c.user)
		}
	}
	if len(closed) > 0 {
		say("%s: redialling %d closed sockets", name, len(closed))
		if err := r.dial(closed); err != nil {
			return Scenario{}, err
		}
	}
	perRoom := len(members[rooms[0]])
	bySender := senders(rooms, members)
	sending := map[int]*Client{}
	for _, users := range bySender {
		for _, u := range users {
			sending[u] = r.clients[u]
		}
	}
	label := fmt.Sprintf("one room of %d members", perRoom)
	if len(rooms) > 1 {
		label = fmt.Sprintf("%d rooms of %d members", len(rooms), perRoom)
	}
	s := Scenario{Name: label, Rooms: len(rooms), Members: perRoom, Senders: len(sending), Redialled: len(closed)}
	slow := 0
	for _, rate := range r.opts.Rates {
		step := r.step(rate, rooms, perRoom, bySender, sending)
		s.Steps = append(s.Steps, step)
		say("%s %s: %6.0f/s asked → %8.0f deliveries/s, p50 %7.1f ms p99 %7.1f ms max %7.1f ms, %d/%d delivered, "+
			"server CPU %.3f s per 1000, %d errors, %d closed", r.target.Name(), label, rate, step.DeliveriesPerS,
			step.P50Ms, step.P99Ms, step.MaxMs, step.Delivered, step.Expected, step.ServerCPUPer1000, step.Errors, step.Closed)
		if step.P99Ms <= 100 && step.Delivered == step.Expected && step.Closed == 0 && step.DeliveriesPerS > s.Best {
			s.Best, s.BestP99Ms, s.BestCPUPer = step.DeliveriesPerS, step.P99Ms, step.ServerCPUPer1000
		}
		if step.DeliveriesPerS > s.PeakPerS {
			s.PeakPerS, s.PeakP99Ms = step.DeliveriesPerS, step.P99Ms
		}
		s.MaxSentPerS = max(s.MaxSentPerS, float64(step.Sent)/r.opts.StepSeconds)
		// A server that cannot keep up delivers less than asked and its latency climbs; one step with a high p99
		// but the rate delivered is a pause of a busy machine, so it takes two in a row to stop.
		if step.P99Ms > r.opts.StopP99Ms {
			slow++
		} else {
			slow = 0
		}
		switch {
		case step.Closed > 0:
			s.StopReason = fmt.Sprintf("the server closed %d sockets at %.0f/s: %s", step.Closed, rate, step.CloseReason)
		case step.Delivered < step.Expected:
			s.StopReason = fmt.Sprintf("%d of %d deliveries missing %.0fs after sending stopped at %.0f/s",
				step.Expected-step.Delivered, step.Expected, r.opts.DrainSeconds, rate)
		case step.DeliveriesPerS < 0.9*rate && step.P99Ms > r.opts.StopP99Ms:
			s.StopReason = fmt.Sprintf("saturated at %.0f/s asked: %.0f delivered per second, p99 %.0f ms",
				rate, step.DeliveriesPerS, step.P99Ms)
		case slow >= 2:
			s.StopReason = fmt.Sprintf("p99 above %.0f ms at two rates in a row (%.0f/s last)", r.opts.StopP99Ms, rate)
		case float64(step.Sent) < 0.9*rate/float64(perRoom)*r.opts.StepSeconds:
			s.StopReason = fmt.Sprintf("only %d messages could be sent at %.0f/s (sockets not accepting more)", step.Sent, rate)
		}
		if s.StopReason != "" {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if s.StopReason == "" {
		s.StopReason = "every rate asked held"
	}
	return s, nil
}

func (r *Runner) step(rate float64, rooms []int, perRoom int, bySender map[int][]int, sending map[int]*Client) Step {
	m := r.meter
	r.steps++
	stepID := r.steps
	m.delivered.Store(0)
	m.errors.Store(0)
	m.closes.Store(0)
	m.firstError = atomic.Value{}
	m.closeReason = atomic.Value{}
	for _, c := range r.clients {
		c.mu.Lock()
		c.latency = c.latency[:0]
		c.mu.Unlock()
	}
	messagesPerS := rate / float64(perRoom)
	var sent atomic.Int64
	var done sync.WaitGroup
	padding := strings.Repeat("x", max(0, r.opts.TextBytes-48))
	for _, c := range sending {
		c.jobs = make(chan int, 1<<14)
		done.Add(1)
		go func(c *Client, jobs chan int) {
			defer done.Done()
			for room := range jobs {
				ref := sent.Add(1)
				text := "bench t=" + strconv.FormatInt(time.Now().UnixNano(), 10) + " k=" +
					strconv.FormatInt(stepID, 10) + " " + padding
				if c.write(r.target.PublishFrame(room, text, ref)) != nil {
					sent.Add(-1)
				}
			}
		}(c, c.jobs)
	}
	m.step.Store(stepID)
	cpu0, bus0, self0 := cpuSeconds(r.opts.ServerPIDs), cpuSeconds(r.opts.BusPIDs), cpuSeconds([]int{os.Getpid()})
	start := time.Now()
	m.lastDelivery.Store(start.UnixNano())
	window := time.Duration(r.opts.StepSeconds * float64(time.Second))
	total := int(messagesPerS * r.opts.StepSeconds)
	turns := map[int]int{}
	for n := 0; n < total; n++ {
		due := start.Add(time.Duration(float64(n) / messagesPerS * float64(time.Second)))
		if wait := time.Until(due); wait > 0 {
			time.Sleep(wait)
		}
		if time.Since(start) > window+time.Second {
			break // the sockets stopped taking frames: what was sent is what this step measures
		}
		room := rooms[n%len(rooms)]
		users := bySender[room]
		user := users[turns[room]%len(users)]
		turns[room]++
		select {
		case sending[user].jobs <- room:
		default: // this sender is 16K frames behind: the server is not reading
		}
	}
	for _, c := range sending {
		close(c.jobs)
	}
	done.Wait()
	for _, c := range sending {
		c.jobs = nil
	}
	expected := sent.Load() * int64(perRoom)
	deadline := time.Now().Add(time.Duration(r.opts.DrainSeconds * float64(time.Second)))
	for m.delivered.Load() < expected && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	m.step.Store(0) // deliveries from now on belong to no step
	elapsed := time.Since(start).Seconds()
	cpu, bus, self := cpuSeconds(r.opts.ServerPIDs)-cpu0, cpuSeconds(r.opts.BusPIDs)-bus0, cpuSeconds([]int{os.Getpid()})-self0
	var all []int32
	for _, c := range r.clients {
		c.mu.Lock()
		all = append(all, c.latency...)
		c.latency = c.latency[:0]
		c.mu.Unlock()
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	delivered := int64(len(all))
	span := float64(m.lastDelivery.Load()-start.UnixNano()) / 1e9
	step := Step{
		TargetDeliveriesPerS: rate, TargetMessagesPerS: messagesPerS, Sent: sent.Load(), Expected: expected,
		Delivered: delivered, Errors: m.errors.Load(), Closed: m.closes.Load(), Seconds: elapsed,
		ServerCPUSeconds: cpu, BusCPUSeconds: bus, LoadgenCPUSeconds: self,
	}
	if delivered > 0 && span > 0 {
		step.DeliveriesPerS = float64(delivered) / span
		step.P50Ms = float64(percentile(all, 0.50)) / 1000
		step.P99Ms = float64(percentile(all, 0.99)) / 1000
		step.MaxMs = float64(all[len(all)-1]) / 1000
		step.ServerCPUPer1000 = cpu / float64(delivered) * 1000
	}
	if v, ok := m.firstError.Load().(string); ok {
		step.FirstError = v
	}
	if v, ok := m.closeReason.Load().(string); ok {
		step.CloseReason = v
	}
	return step
}

func percentile(sorted []int32, q float64) int32 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

// rssKB sums VmRSS of the processes (/proc/<pid>/status).
func rssKB(pids []int) int64 {
	var total int64
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.HasPrefix(line, "VmRSS:") {
				fields := strings.Fields(line)
				if len(fields) >= 2 {
					kb, _ := strconv.ParseInt(fields[1], 10, 64)
					total += kb
				}
			}
		}
	}
	return total
}

// cpuSeconds sums utime+stime of the processes (/proc/<pid>/stat, clock ticks of 1/100 s on Linux).
func cpuSeconds(pids []int) float64 {
	var ticks int64
	for _, pid := range pids {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		text := string(data)
		// The command name (field 2) may hold spaces: count fields after its closing parenthesis.
		fields := strings.Fields(text[strings.LastIndexByte(text, ')')+1:])
		if len(fields) > 12 {
			u, _ := strconv.ParseInt(fields[11], 10, 64)
			s, _ := strconv.ParseInt(fields[12], 10, 64)
			ticks += u + s
		}
	}
	return float64(ticks) / 100
}
