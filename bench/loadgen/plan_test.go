package main

import "testing"

func TestEverySmallRoomHasTheAskedMembersAndEveryUserTheSameNumberOfRooms(t *testing.T) {
	plan, err := NewPlan(1000, 100, 100)
	if err != nil {
		t.Fatal(err)
	}
	members := plan.Members()
	if len(members[0]) != 1000 {
		t.Fatalf("the big room has %d members, want 1000", len(members[0]))
	}
	for room := 1; room <= 100; room++ {
		if len(members[room]) != 100 {
			t.Fatalf("room %d has %d members, want 100", room, len(members[room]))
		}
	}
	for user := 0; user < 1000; user++ {
		seen := map[int]bool{}
		for _, room := range plan.RoomsOf(user) {
			if seen[room] {
				t.Fatalf("user %d is in room %d twice", user, room)
			}
			seen[room] = true
		}
		if len(seen) != 11 {
			t.Fatalf("user %d is in %d rooms, want 11", user, len(seen))
		}
	}
}

func TestAPlanThatCannotGiveEveryRoomItsMembersIsRefused(t *testing.T) {
	if _, err := NewPlan(1000, 30, 100); err == nil {
		t.Fatal("30 rooms of 100 over 1,000 users accepted")
	}
}

func TestTheMarkerCarriesTheSendTimeAndTheStep(t *testing.T) {
	sent, n := leadingInt([]byte("1733380000123456789 k=4 xxx"))
	if sent != 1733380000123456789 || n != 19 {
		t.Fatalf("read %d (%d digits)", sent, n)
	}
}
