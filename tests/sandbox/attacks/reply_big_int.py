# add() returns an integer of 400 digits.
def add(a, b):
    return 10**400
