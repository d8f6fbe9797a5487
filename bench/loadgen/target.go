package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/websocket"
)

// Target is a real-time server the generator drives.
type Target interface {
	Name() string
	// Prepare makes the plan's users and rooms exist (sign-ups, rooms, memberships) before any socket connects.
	Prepare(plan Plan) error
	// Dial opens user i's socket, ready to receive every room of the user when it returns.
	Dial(plan Plan, user int) (*websocket.Conn, error)
	// PublishFrame is what user i's socket writes to send text to room r.
	PublishFrame(room int, text string, ref int64) []byte
	// Reply answers a frame the server expects an answer to (Centrifugo's ping), or nil.
	Reply(frame []byte) []byte
}

var dialer = &websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 16 << 10, WriteBufferSize: 4 << 10}

var httpClient = &http.Client{
	Timeout:   60 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256},
}

// call sends a JSON request and decodes a JSON answer; a status other than want is an error quoting the body.
// A 503 or 429 (the gateway's password checks are bounded) is retried after a pause, for up to a minute.
func call(method, url string, headers map[string]string, body any, want int, out any) error {
	deadline := time.Now().Add(time.Minute)
	for {
		err, busy := callOnce(method, url, headers, body, want, out)
		if !busy || time.Now().After(deadline) {
			return err
		}
		time.Sleep(time.Duration(100+rand.Intn(400)) * time.Millisecond)
	}
}

func callOnce(method, url string, headers map[string]string, body any, want int, out any) (error, bool) {
	var reader io.Reader
	if body != nil {
		encoded, err := json.Marshal(body)
		if err != nil {
			return err, false
		}
		reader = bytes.NewReader(encoded)
	}
	request, err := http.NewRequest(method, url, reader)
	if err != nil {
		return err, false
	}
	request.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		request.Header.Set(k, v)
	}
	response, err := httpClient.Do(request)
	if err != nil {
		return err, false
	}
	defer response.Body.Close()
	data, err := io.ReadAll(response.Body)
	if err != nil {
		return err, false
	}
	if response.StatusCode != want {
		busy := response.StatusCode == http.StatusServiceUnavailable || response.StatusCode == http.StatusTooManyRequests
		return fmt.Errorf("%s %s: %d %s", method, url, response.StatusCode, strings.TrimSpace(string(data))), busy
	}
	if out != nil {
		return json.Unmarshal(data, out), false
	}
	return nil, false
}

func wsURL(base string) string {
	if strings.HasPrefix(base, "https://") {
		return "wss://" + strings.TrimPrefix(base, "https://")
	}
	return "ws://" + strings.TrimPrefix(base, "http://")
}

// parallel runs work(i) for i < n with at most `width` under way, and returns the first error.
func parallel(n, width int, work func(i int) error) error {
	jobs := make(chan int)
	errs := make(chan error, width)
	for w := 0; w < width; w++ {
		go func() {
			var first error
			for i := range jobs {
				if first == nil {
					first = work(i)
				}
			}
			errs <- first
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	var first error
	for w := 0; w < width; w++ {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	return first
}
