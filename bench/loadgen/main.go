// Command loadgen drives live fan-out on a real-time server with many WebSocket clients in one process and prints
// what it measured as JSON on stdout (progress goes to stderr).
//
// Two targets behind one interface (target.go): ChatCluster's gateway (users signed up through its HTTP API, rooms
// created and joined, `/v1/ws` sockets, `send` frames) and Centrifugo v6 (JWT connection tokens signed with an HMAC
// secret, channel subscriptions, client-side `publish` commands). In both, the senders are members' own sockets and
// every member, the sender included, receives each message: deliveries = messages × members.
//
// Users and rooms (plan.go): --users members, all in one big room (scenario "one room") and each in --rooms*
// --room-members/--users of the --rooms small rooms (scenario "many rooms"), so both scenarios run on the same
// connected sockets. Memory per idle connection is the server's RSS (/proc/<pid>/status) before and after the
// sockets connect, divided by their number.
//
// Each scenario runs rising delivery rates (--rates, deliveries per second): for --step-seconds a pacer sends
// messages round-robin over the scenario's rooms, each text carrying its send time; receivers note send→receive
// latency; the step ends when every expected delivery arrived or --drain-seconds passed. A scenario stops rising
// once it is saturated (delivering under 90% of the rate asked with a p99 above --stop-p99-ms), after two
// steps in a row above that p99, or after a step that lost deliveries.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

type Options struct {
	Target       string
	URL          string
	Secret       string
	Users        int
	Rooms        int
	RoomMembers  int
	Rates        []float64
	StepSeconds  float64
	DrainSeconds float64
	StopP99Ms    float64
	TextBytes    int
	Concurrency  int
	ServerPIDs   []int
	BusPIDs      []int
	Scenarios    []string
	Prefix       string
	TokensFile   string
}

func parseInts(text string) []int {
	var out []int
	for _, part := range strings.Split(text, ",") {
		if part = strings.TrimSpace(part); part != "" {
			n, err := strconv.Atoi(part)
			if err != nil {
				fatal("not a number: %q", part)
			}
			out = append(out, n)
		}
	}
	return out
}

func parseFloats(text string) []float64 {
	var out []float64
	for _, part := range strings.Split(text, ",") {
		if part = strings.TrimSpace(part); part != "" {
			n, err := strconv.ParseFloat(part, 64)
			if err != nil || n <= 0 {
				fatal("not a positive number: %q", part)
			}
			out = append(out, n)
		}
	}
	return out
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loadgen: "+format+"\n", args...)
	os.Exit(2)
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "[loadgen] "+format+"\n", args...)
}

func main() {
	var o Options
	var rates, serverPIDs, busPIDs, scenarios string
	flag.StringVar(&o.Target, "target", "chatcluster", "chatcluster or centrifugo")
	flag.StringVar(&o.URL, "url", "http://127.0.0.1:8000", "the server's base URL (HTTP; sockets use ws://)")
	flag.StringVar(&o.Secret, "secret", "", "centrifugo: the HMAC secret that signs connection tokens")
	flag.IntVar(&o.Users, "users", 1000, "members: every one in the big room, each with one socket")
	flag.IntVar(&o.Rooms, "rooms", 100, "small rooms of the many-rooms scenario")
	flag.IntVar(&o.RoomMembers, "room-members", 100, "members of each small room")
	flag.StringVar(&rates, "rates", "2000,5000,10000,20000,30000,45000,60000,80000", "deliveries/s of each step")
	flag.Float64Var(&o.StepSeconds, "step-seconds", 3, "how long each step sends")
	flag.Float64Var(&o.DrainSeconds, "drain-seconds", 3, "how long a step waits for late deliveries")
	flag.Float64Var(&o.StopP99Ms, "stop-p99-ms", 1000, "stop rising after a step with a p99 above this")
	flag.IntVar(&o.TextBytes, "text-bytes", 120, "length of each message text")
	flag.IntVar(&o.Concurrency, "concurrency", 32, "HTTP requests and socket dials under way at once while setting up")
	flag.StringVar(&serverPIDs, "server-pid", "", "pids of the server processes (comma-separated): RSS and CPU")
	flag.StringVar(&busPIDs, "bus-pid", "", "pids of the message bus (nats-server): CPU only")
	flag.StringVar(&scenarios, "scenarios", "one-room,many-rooms", "which scenarios, in order")
	flag.StringVar(&o.TokensFile, "tokens", "", "chatcluster: JSON {owner, users} of access tokens instead of sign-ups")
	flag.StringVar(&o.Prefix, "prefix", "", "name prefix for users and rooms (default: from the clock)")
	flag.Parse()
	o.Rates = parseFloats(rates)
	o.ServerPIDs = parseInts(serverPIDs)
	o.BusPIDs = parseInts(busPIDs)
	for _, s := range strings.Split(scenarios, ",") {
		if s = strings.TrimSpace(s); s != "" {
			if s != "one-room" && s != "many-rooms" {
				fatal("unknown scenario %q (one-room, many-rooms)", s)
			}
			o.Scenarios = append(o.Scenarios, s)
		}
	}
	if o.Prefix == "" {
		o.Prefix = "lg" + strconv.FormatInt(time.Now().Unix()%100000, 36)
	}
	plan, err := NewPlan(o.Users, o.Rooms, o.RoomMembers)
	if err != nil {
		fatal("%v", err)
	}
	var target Target
	switch o.Target {
	case "chatcluster":
		var preset *Tokens
		if o.TokensFile != "" {
			data, err := os.ReadFile(o.TokensFile)
			if err == nil {
				preset = &Tokens{}
				err = json.Unmarshal(data, preset)
			}
			if err != nil {
				fatal("--tokens: %v", err)
			}
		}
		target = NewChatCluster(o.URL, o.Prefix, o.Concurrency, preset)
	case "centrifugo":
		if o.Secret == "" {
			fatal("--secret is required for centrifugo")
		}
		target = NewCentrifugo(o.URL, o.Secret, o.Prefix)
	default:
		fatal("unknown target %q (chatcluster, centrifugo)", o.Target)
	}
	report, err := Run(target, plan, o)
	if err != nil {
		fatal("%v", err)
	}
	out := json.NewEncoder(os.Stdout)
	out.SetIndent("", "  ")
	if err := out.Encode(report); err != nil {
		fatal("%v", err)
	}
}
