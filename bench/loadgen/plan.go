package main

import "fmt"

// Plan says who is in which room. Room 0 is the big room (every user); rooms 1..Rooms are the small ones.
// User i is in small rooms 1 + (i + j*step) mod Rooms for j < PerUser, step = Rooms/PerUser, which gives every
// small room exactly RoomMembers members.
type Plan struct {
	Users       int
	Rooms       int
	RoomMembers int
	PerUser     int
}

func NewPlan(users, rooms, roomMembers int) (Plan, error) {
	if users < 1 || rooms < 1 || roomMembers < 1 || roomMembers > users {
		return Plan{}, fmt.Errorf("need users ≥ room-members ≥ 1 and rooms ≥ 1")
	}
	if (rooms*roomMembers)%users != 0 {
		return Plan{}, fmt.Errorf("rooms × room-members (%d) must be a multiple of users (%d)", rooms*roomMembers, users)
	}
	perUser := rooms * roomMembers / users
	if perUser > rooms || rooms%perUser != 0 || users%rooms != 0 {
		return Plan{}, fmt.Errorf("users (%d) must be a multiple of rooms (%d), rooms of the rooms each user is in (%d)",
			users, rooms, perUser)
	}
	return Plan{Users: users, Rooms: rooms, RoomMembers: roomMembers, PerUser: perUser}, nil
}

// RoomsOf lists the rooms of user i, the big room first.
func (p Plan) RoomsOf(i int) []int {
	rooms := []int{0}
	step := p.Rooms / p.PerUser
	for j := 0; j < p.PerUser; j++ {
		rooms = append(rooms, 1+(i+j*step)%p.Rooms)
	}
	return rooms
}

// Members of each room, in user order.
func (p Plan) Members() [][]int {
	members := make([][]int, p.Rooms+1)
	for i := 0; i < p.Users; i++ {
		for _, r := range p.RoomsOf(i) {
			members[r] = append(members[r], i)
		}
	}
	return members
}
