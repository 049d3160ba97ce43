#!/usr/bin/env python3
"""Writes data/common_passwords.txt: passwords that `zebra user add` and `zebra user passwd` refuse.

The seeds are the most common passwords of the public breach-derived lists (SecLists' 10k list,
the NCSC top 100k, SplashData's yearly lists), written out from memory, most common first. Since
Zebra also requires 12 characters, the list adds what people do to reach a length rule: append
digits, years or "!", repeat a word, walk the keyboard. One password a line, lowercase (the check
lowercases too). Run: python3 scripts/gen_common_passwords.py > data/common_passwords.txt
"""

SEEDS = """
123456 password 12345678 qwerty 123456789 12345 1234 111111 1234567 dragon 123123 baseball abc123
football monkey letmein 696969 shadow master 666666 qwertyuiop 123321 mustang 1234567890 michael
654321 superman 1qaz2wsx 7777777 121212 000000 qazwsx 123qwe killer trustno1 jordan jennifer
zxcvbnm asdfgh hunter buster soccer harley batman andrew tigger sunshine iloveyou 2000 charlie
robert thomas hockey ranger daniel starwars klaster 112233 george computer michelle jessica pepper
1111 zxcvbn 555555 11111111 131313 freedom 777777 pass maggie 159753 aaaaaa ginger princess joshua
cheese amanda summer love ashley 6969 nicole chelsea biteme matthew access yankees 987654321
dallas austin thunder taylor matrix william corvette hello martin heather secret merlin diamond
1234qwer gfhjkm hammer silver 222222 88888888 anthony justin test bailey q1w2e3r4t5 patrick
internet scooter orange 11111 golfer cookie richard samantha bigdog guitar jackson whatever mickey
chicken sparky snoopy maverick phoenix camaro sexy peanut morgan welcome falcon cowboy ferrari
samsung andrea smokey steelers joseph mercedes dakota arsenal eagles melissa boomer booboo spider
nascar monster tigers yellow xxxxxx 123123123 gateway marina diablo bulldog qwer1234 compaq purple
hardcore banana junior hannah 123654 porsche lakers iceman money cowboys 987654 london tennis
999999 ncc1701 coffee scooby 0000 miller boston q1w2e3r4 brandon yamaha chester mother forever
johnny edward 333333 oliver redsox player nikita knight fender barney midnight please brandy
chicago badboy slayer rangers charles angel flower bigdaddy rabbit wizard jasper enter rachel
chris steven winner adidas victoria natasha 1q2w3e4r jasmine winter prince marine ghbdtn fishing
cocacola casper james 232323 raiders 888888 marlboro gandalf asdfasdf crystal 87654321 12344321
golden 8675309 panther lauren angela spanky thx1138 angels madison winston shannon mike toyota
jordan23 canada sophie apples tiger 123abc pokemon qazxsw 55555 qwaszx muffin johnson murphy
cooper jonathan liverpoo david danielle 159357 jackie 1990 123456a 789456 turtle abcd1234 scorpion
qazwsxedc 101010 butter carlos password1 dennis slipknot qwerty123 booger asdf 1991 black startrek
12341234 cameron newyork rainbow nathan john 1992 rocket viking redskins asdfghjkl 1212 sierra
peaches gemini doctor wilson sandra helpme qwertyui victor florida dolphin pookie captain tucker
blue liverpool theman bandit dolphins maddog packers jaguar lovers nicholas united tiffany maxwell
zzzzzz nirvana jeremy monica elephant giants hotdog rosebud success debbie mountain 444444
xxxxxxxx warrior 1q2w3e4r5t q1w2e3 123456q albert metallic lucky azerty 7777 alex bond007 alexis
1111111 samson 5150 willie scorpio bonnie gators benjamin voodoo driver dexter 2112 jason calvin
freddy 212121 creative 12345a sydney rush2112 1989 asdfghjk red123 bubba 4815162342 passw0rd
trouble gunner happy gordon legend jessie stella qwert eminem arthur apple nissan bear america
1qazxsw2 nothing parker 4444 rebecca qweqwe garfield 01012011 beavis 69696969 jack asdasd december
2222 102030 252525 11223344 magic apollo skippy 315475 kitten golf copper braves shelby godzilla
beaver fred tomcat august buddy airborne 1993 1988 qqqqqq brooklyn animal platinum phantom online
xavier darkness blink182 power fish green 789456123 voyager police travis 12qwaszx heaven snowball
lover abcdef 00000 pakistan 007007 walter playboy blazer cricket sniper donkey willow loveme saturn
therock redwings bigboy pumpkin trinity williams nintendo digital destiny topgun runner marvin
guinness chance bubbles testing fire november minecraft asdf1234 lasvegas sergey broncos cartman
private celtic birdie little cassie babygirl donald beatles 1313 family 12121212 school louise
gabriel eclipse fluffy 147258369 lol123 explorer beer nelson flyers spencer scott lovely gibson
doggie cherry andrey snickers buffalo pantera metallica member carter qwertyu peter alexander
steve bronco paradise goober 5555 samuel montana mexico dreams michigan carolina yankee friends
magnum surfer maximus genius cool vampire lacrosse asd123 aaaa christin kimberly speedy sharon
carmen 111222 kristina sammy racing ou812 sabrina horses 0987654321 qwerty1 baby stalker enigma
147147 star poohbear 147258 simple 12345q marcus brian 1987 qweasdzxc drowssap hahaha caroline
barbara dave viper drummer action einstein genesis hello1 scotty friend forest 010203 hotrod google
vanessa spitfire badger maryjane friday alaska 1232323q tester jester jake champion floyd icecream
abcd abc 123 iloveu princess1 rockyou 1234qwer admin admin123 administrator root toor changeme
default guest user login welcome1 letmein1 master1 monkey1 dragon1 shadow1 sunshine1 football1
baseball1 superman1 batman1 trustno1 iloveyou1 hello123 charlie1 michael1 jordan1 abc12345
password12 password123 password1234 qwerty12 qwerty1234 qwertyuiop123 1q2w3e 1q2w3e4r5t6y zaq12wsx
zaq1zaq1 xsw2zaq1 !qaz2wsx qazwsx123 asdfghjkl123 zxcvbnm123 123456789a a123456 a12345678 aa123456
123456aa 112233445566 123123123123 147852369 741852963 963852741 159951 789789 456456 321321
secret123 security letmein123 welcome123 hello1234 test123 test1234 testtest demo demo123 guest123
summer2020 spring winter2020 autumn fall2020 january february march april may june july september
october monday tuesday wednesday thursday friday saturday sunday hospital doctor1 nurse clinic
medical patient health healthcare oncology cancer tumour tumor zebra zebra123 zebras
""".split()

KEYBOARD = """
qwertyuiopasdfghjkl qwertyuiopasdfgh qwertyuiop1234 qwertyuiop123 1qaz2wsx3edc 1qaz2wsx3edc4rfv
zaq12wsxcde3 zaq1xsw2cde3 qazwsxedcrfv qazwsxedcrfvtgb 1q2w3e4r5t6y 1q2w3e4r5t6y7u q1w2e3r4t5y6
q1w2e3r4t5y6u7 1234qwerasdf 1234qwerasdfzxcv qwerasdfzxcv asdfghjklqwerty zxcvbnmasdfghjkl
123qweasdzxc 123qweasd123 qweasdzxc123 !qaz@wsx#edc 1qaz@wsx 1qaz!qaz qwe123qwe123 asd123asd123
abc123abc123 abcdefghijkl abcdefghijklm abcdefg12345 abcdef123456 a1b2c3d4e5f6 1a2b3c4d5e6f
123456789012 1234567890123 12345678901234 098765432109 0987654321qwerty 123456789qwerty
qwerty123456 qwerty1234567 123456qwerty 123456789abc 111111111111 000000000000 123123123123
121212121212 112233445566 123321123321 987654321987 147258369147 159753159753 999999999999
aaaaaaaaaaaa aaaaaaaaaaaaa zzzzzzzzzzzz qqqqqqqqqqqq xxxxxxxxxxxx abcabcabcabc
""".split()

SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "1234567", "12345678", "123456789",
            "!", "1!", "12!", "123!", "1234!", "!!", "01", "007", "69", "99", "00", "11", "2", "22",
            "@123", "#1", "321", "111", "000", "2024!", "2025!", "2026!"]
YEARS = [str(y) for y in range(1970, 2031)]  # 1990 on: YEARS[20:]


def main():
    out, seen = [], set()

    def add(p):
        p = p.lower()
        if p and p not in seen and "\n" not in p:
            seen.add(p)
            out.append(p)

    for s in SEEDS:
        add(s)
    for k in KEYBOARD:
        add(k)
    # Only variants that reach the 12-character minimum: shorter ones are refused anyway.
    words = [s for s in SEEDS if s.isalpha() and len(s) >= 4]
    for w in words:
        if len(w + w) >= 12:
            add(w + w)                   # passwordpassword
        for suffix in SUFFIXES:
            if len(w + suffix) >= 12:
                add(w + suffix)
    for w in words[:150]:
        for y in YEARS:
            if len(w + y) >= 12:
                add(w + y)
                add(w + y + "!")
    for w in ["password", "passw0rd", "p@ssw0rd", "p@ssword", "pa$$word", "welcome", "letmein", "changeme",
              "iloveyou", "qwerty", "admin", "secret", "zebra", "hospital", "doctor", "clinic", "summer",
              "winter", "spring", "autumn"]:
        for sep in ["", "@", "_"]:
            for y in YEARS[20:] + ["123", "1234", "12345", "123456"]:
                if len(w + sep + y) >= 12:
                    add(w + sep + y)
    for c in "abcdefghijklmnopqrstuvwxyz0123456789":
        for n in range(12, 17):
            add(c * n)
    print("\n".join(out))


if __name__ == "__main__":
    main()
