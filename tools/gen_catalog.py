#!/usr/bin/env python3
"""Writes assets/catalog.csv, the demo catalog of an Indonesian minimarket.

Deterministic: the same script always writes the same file. Barcodes are
EAN-13 with the GS1 Indonesia prefix 899, a made-up company number per brand
and a GS1 check digit; prices are whole rupiah.
"""
import csv
import sys

ITEMS = {
    "mi-instan": [
        ("Indomie Goreng 85 g", 3500), ("Indomie Kuah Soto 75 g", 3300),
        ("Indomie Kuah Ayam Bawang 69 g", 3200), ("Indomie Goreng Rendang 91 g", 3800),
        ("Mie Sedaap Goreng 90 g", 3400), ("Mie Sedaap Kuah Soto 75 g", 3200),
        ("Sarimi Isi 2 Ayam Bawang 115 g", 4200), ("Supermi Kuah Ayam 70 g", 3000),
        ("Pop Mie Rasa Ayam 75 g", 5900), ("Lemonilo Mie Goreng 70 g", 5500),
        ("Indomie Goreng Jumbo 129 g", 4500),
    ],
    "minuman": [
        ("Aqua Air Mineral 600 ml", 3500), ("Aqua Air Mineral 1500 ml", 6500),
        ("Le Minerale 600 ml", 3300), ("Teh Botol Sosro 450 ml", 5500),
        ("Teh Pucuk Harum 350 ml", 4000), ("Fruit Tea Apel 500 ml", 6000),
        ("Pocari Sweat 500 ml", 8000), ("Mizone Lychee Lemon 500 ml", 6500),
        ("Coca-Cola 390 ml", 6000), ("Sprite 390 ml", 6000), ("Fanta Stroberi 390 ml", 6000),
        ("Good Day Cappuccino 250 ml", 7000), ("Kopi Kenangan Mantan 225 ml", 9500),
        ("Nu Green Tea 450 ml", 6500), ("Floridina Orange 350 ml", 3800),
        ("Adem Sari Ching Ku 320 ml", 7500), ("Cleo Air Murni 550 ml", 3000),
    ],
    "susu": [
        ("Ultra Milk Full Cream 250 ml", 6500), ("Ultra Milk Cokelat 250 ml", 6500),
        ("Frisian Flag Susu Kental Manis 370 g", 12500), ("Bear Brand 189 ml", 11000),
        ("Indomilk Stroberi 190 ml", 5000), ("Greenfields Full Cream 1 L", 24500),
        ("Cimory Yogurt Drink Blueberry 250 ml", 9500), ("Dancow Fortigro 400 g", 52000),
        ("Hilo Teen Cokelat 250 g", 38000), ("Yakult 5 x 65 ml", 11000),
    ],
    "kopi-teh": [
        ("Kapal Api Special Mix 10 x 24 g", 15500), ("Good Day Mocacinno 10 x 20 g", 16000),
        ("Nescafe Classic 50 g", 21000), ("Torabika Cappuccino 5 x 25 g", 9000),
        ("Luwak White Koffie 10 x 20 g", 14500), ("Sariwangi Teh Celup 25 s", 7500),
        ("Teh Tong Tji Melati 25 s", 8500), ("Sosro Teh Celup 30 s", 8000),
        ("ABC Kopi Susu 10 x 31 g", 14000), ("Indocafe Coffeemix 10 x 20 g", 13500),
    ],
    "makanan-ringan": [
        ("Chitato Sapi Panggang 68 g", 11500), ("Qtela Singkong Balado 60 g", 7500),
        ("Taro Net Seaweed 65 g", 8500), ("Lays Rumput Laut 68 g", 11000),
        ("Cheetos Jagung Bakar 60 g", 8000), ("Piattos Sapi Panggang 75 g", 9500),
        ("Kusuka Keripik Singkong 180 g", 12000), ("Maicih Keripik Level 3 100 g", 15000),
        ("Potabee Ayam Bumbu 68 g", 10500), ("Twistko Jagung Bakar 70 g", 7000),
        ("Jetz Cokelat 45 g", 5000),
    ],
    "biskuit": [
        ("Roma Kelapa 300 g", 10500), ("Khong Guan Assorted 650 g", 62000),
        ("Oreo Vanila 133 g", 9500), ("Biskuat Cokelat 134 g", 6000),
        ("Good Time Chocochips 72 g", 8500), ("Tango Wafer Cokelat 130 g", 9000),
        ("Nextar Brownies 8 s", 9500), ("Regal Marie 230 g", 18500),
        ("Malkist Abon 105 g", 7000), ("Better Sandwich 100 g", 6500),
        ("Monde Butter Cookies 454 g", 65000),
    ],
    "cokelat-permen": [
        ("SilverQueen Almond 58 g", 15500), ("Cadbury Dairy Milk 62 g", 16000),
        ("Delfi Top 3 in 1 9 g", 2500), ("Beng-Beng 20 g", 2500),
        ("Kopiko Permen Kopi 150 g", 10500), ("Relaxa Mint 125 g", 7500),
        ("Mentos Mint Roll 29 g", 4500), ("Kis Cherry 125 g", 7000),
        ("Tic Tac Mint 14.5 g", 6500), ("Choki-Choki 5 s", 6000),
    ],
    "roti": [
        ("Sari Roti Tawar Kupas 370 g", 19500), ("Sari Roti Sandwich Cokelat 2 s", 5500),
        ("Sari Roti Sobek Cokelat 176 g", 14500), ("Roti Aoka Keju 60 g", 2500),
        ("Mr. Bread Tawar Gandum 400 g", 21000), ("Breadlife Croissant Cokelat", 9000),
        ("Roti O Original", 12000), ("Holland Bakery Bolu Pandan", 27500),
    ],
    "bumbu-dapur": [
        ("Kecap Manis Bango 220 ml", 11500), ("Kecap ABC Manis 135 ml", 7000),
        ("Saus Sambal ABC 335 ml", 13500), ("Saus Tomat Del Monte 340 ml", 14000),
        ("Royco Kaldu Ayam 230 g", 10500), ("Masako Sapi 250 g", 11000),
        ("Sasa Micin 250 g", 9500), ("Ladaku Merica Bubuk 4 g", 1000),
        ("Bamboe Rendang 36 g", 6500), ("Indofood Bumbu Nasi Goreng 45 g", 4500),
        ("Garam Dapur Refina 500 g", 6000), ("Terasi ABC 4.2 g x 10", 5000),
    ],
    "sembako": [
        ("Beras Ramos Setra 5 kg", 78000), ("Beras Maknyuss Premium 5 kg", 82000),
        ("Gulaku Gula Tebu 1 kg", 18500), ("Minyak Goreng Bimoli 2 L", 41000),
        ("Minyak Goreng Filma 1 L", 20500), ("Tepung Segitiga Biru 1 kg", 14500),
        ("Tepung Beras Rose Brand 500 g", 8500), ("Telur Ayam Negeri 10 butir", 29000),
        ("Santan Kara 65 ml", 4000), ("Blue Band Serbaguna 200 g", 10500),
        ("Mentega Palmboom 200 g", 32000), ("Kacang Hijau 500 g", 16000),
    ],
    "makanan-kaleng": [
        ("Sarden ABC Saus Tomat 155 g", 11500), ("Botan Sarden 155 g", 12500),
        ("Pronas Kornet Sapi 198 g", 26500), ("Maya Sarden Cabai 425 g", 24000),
        ("Ayam Bakar Kaleng Fiesta 200 g", 28000), ("Sosis So Nice 20 g", 2500),
        ("Nugget Fiesta Ayam 500 g", 48500), ("Kanzler Sosis Original 65 g", 10500),
        ("Bernardi Bakso Sapi 500 g", 39500),
    ],
    "perawatan-diri": [
        ("Lifebuoy Sabun Batang 110 g", 4500), ("Lux Sabun Cair 450 ml", 26500),
        ("Pepsodent Pasta Gigi 190 g", 13500), ("Formula Sikat Gigi Medium", 9500),
        ("Sunsilk Sampo Hitam 170 ml", 24500), ("Pantene Sampo 160 ml", 29000),
        ("Clear Men Sampo 160 ml", 31000), ("Rexona Men Roll On 45 ml", 19500),
        ("Wardah Sunscreen SPF 30 40 ml", 34500), ("Citra Hand Body Lotion 230 ml", 23500),
        ("Biore Sabun Cair 450 ml", 27500), ("Gatsby Pomade 75 g", 25000),
        ("Emeron Sampo Aloe 170 ml", 15000),
    ],
    "kebersihan-rumah": [
        ("Rinso Anti Noda 770 g", 24500), ("So Klin Lantai 780 ml", 13500),
        ("Sunlight Jeruk Nipis 755 ml", 16500), ("Molto Pewangi 820 ml", 19000),
        ("Baygon Aerosol 600 ml", 39500), ("Bayclin 500 ml", 9500),
        ("Wipol Karbol Cemara 780 ml", 17500), ("Vixal Pembersih Porselen 780 ml", 18500),
        ("Stella Pengharum Ruangan 70 g", 12500), ("Daia Deterjen 850 g", 19500),
        ("Mama Lemon 780 ml", 15500),
    ],
    "bayi-ibu": [
        ("MamyPoko Pants M 34", 89000), ("Merries Pants L 26", 99000),
        ("Sweety Silver Pants M 30", 79000), ("Zwitsal Baby Bath 300 ml", 27000),
        ("Cussons Baby Powder 200 g", 16500), ("Mitu Tisu Basah 50 s", 14000),
        ("SGM Eksplor 1+ 400 g", 48000), ("Promina Bubur Bayi Beras Merah 120 g", 21500),
    ],
    "kesehatan": [
        ("Tolak Angin Cair 5 x 15 ml", 20500), ("Antangin JRG 5 s", 19000),
        ("Panadol Biru 10 tablet", 13500), ("Bodrex 10 tablet", 6500),
        ("Promag 12 tablet", 9000), ("Minyak Kayu Putih Cap Lang 60 ml", 27500),
        ("Hansaplast Plester 10 s", 6500), ("Counterpain 30 g", 35500),
        ("Enervon-C 30 tablet", 38000), ("Freshcare Aromatherapy 10 ml", 15000),
        ("Masker Sensi 3 ply 5 s", 7000),
    ],
    "tisu-kertas": [
        ("Paseo Tisu Wajah 250 s", 18500), ("Nice Tisu 180 s", 10000),
        ("Tessa Tisu Gulung 4 roll", 15000), ("Multi Tisu Basah 50 s", 11500),
        ("Sidu Buku Tulis 38 lembar", 4000), ("Pulpen Standard AE7", 2500),
        ("Joyko Lakban Bening", 9500),
    ],
    "beku-segar": [
        ("Walls Cornetto Cokelat", 10000), ("Aice Mochi Vanila", 3000),
        ("Campina Hula Hula", 5000), ("Es Batu Kristal 1 kg", 5000),
        ("Tahu Putih Sumedang 10 s", 12000), ("Tempe Papan 250 g", 6000),
        ("Pisang Cavendish Sunpride 1 sisir", 29500),
    ],
    "rumah-tangga": [
        ("ABC Baterai AA 2 s", 9000), ("Energizer Baterai AAA 2 s", 24500),
        ("Philips Lampu LED 9 W", 39000), ("Korek Api Tokai", 3500),
        ("Kantong Plastik Sampah 10 s", 8500), ("Obat Nyamuk Bakar Hit 10 s", 7500),
        ("Gas Kaleng Hi-Cook 230 g", 22000), ("Sedotan Plastik 50 s", 4500),
    ],
    "hewan-peliharaan": [
        ("Whiskas Tuna 480 g", 32500), ("Me-O Adult Ikan 1.2 kg", 67500),
        ("Pedigree Sapi 400 g", 45000), ("Felibite Makanan Kucing 500 g", 21000),
    ],
    "sarapan-selai": [
        ("Energen Cereal Cokelat 5 x 30 g", 10500), ("Koko Krunch 170 g", 27500),
        ("Quaker Oat Instan 800 g", 52500), ("Nutella 200 g", 46500),
        ("Selai Morin Stroberi 150 g", 14500), ("Ceres Meses Cokelat 90 g", 9500),
        ("Madu TJ Murni 150 g", 19500), ("Kraft Keju Cheddar 165 g", 21500),
        ("Milo Activ-Go 300 g", 39500), ("Sun Bubur Sereal Beras Merah 120 g", 19000),
        ("Simba Choco Chips 170 g", 24000), ("Jam Selai Srikaya Bakery 250 g", 16000),
    ],
    "pulsa-voucher": [
        ("Voucher Google Play Rp 20.000", 21500), ("Voucher Game Steam Rp 45.000", 47000),
        ("Kartu Perdana Telkomsel", 25000),
    ],
}

# Goods not everyone may buy at a kiosk, in the catalog's `restriction`
# column: `age21` (staff approve the sale), `tobacco` (never sold at a
# self-service machine). Written after the rest with company numbers of
# their own, so that the barcodes above do not change.
RESTRICTED = {
    "minuman-beralkohol": [
        ("Bintang Pilsener 620 ml", 38500, "age21"), ("Anker Bir Kaleng 330 ml", 21500, "age21"),
    ],
    "rokok": [
        ("Sampoerna Mild 16 batang", 35500, "tobacco"),
        ("Relx Infinity Pod Mint 2 s", 65000, "tobacco"),
    ],
}


# In-store codes (the catalog key of a weighed or label-priced item: its
# value digits zero, under the layouts of assets/variable-measure.toml) and
# produce PLUs, written as they are; a fifth field is the produce's picture
# in assets/images/ (tools/render-produce-pictures.py draws them).
IN_STORE = [
    ("2300101000007", "Cabai Merah Keriting (per kg)", 80000, "buah-sayur"),
    ("2300102000006", "Tomat Merah (per kg)", 18000, "buah-sayur"),
    ("2300103000005", "Bawang Merah Brebes (per kg)", 42000, "buah-sayur"),
    ("2112345000008", "Kue Lapis Legit (harga di label)", 1250, "roti"),
    ("2100201000002", "Ikan Kembung Segar (harga di label)", 9000, "beku-segar"),
    ("4011", "Pisang Cavendish (per buah)", 2500, "buah-sayur", "banana.png"),
    ("94011", "Pisang Cavendish Organik (per buah)", 3500, "buah-sayur", "banana.png"),
    ("4087", "Tomat Roma (per buah)", 1500, "buah-sayur", "tomato.png"),
    ("4060", "Brokoli (per bonggol)", 12000, "buah-sayur", "broccoli.png"),
    ("4131", "Apel Fuji (per buah)", 6500, "buah-sayur", "apple.png"),
    ("4012", "Jeruk Navel (per buah)", 5000, "buah-sayur", "orange.png"),
    ("4046", "Alpukat Mentega (per buah)", 9000, "buah-sayur", "avocado.png"),
]


def check_digit(body):
    total = sum((3 if i % 2 == 0 else 1) * int(c) for i, c in enumerate(reversed(body)))
    return str((10 - total % 10) % 10)


def main(out):
    rows, seen = [], set()
    for c, (category, items) in enumerate(sorted(ITEMS.items())):
        company = f"{1101 + 37 * c:04d}"
        for i, (name, price) in enumerate(items):
            body = "899" + company + f"{10 * i + 3 * c + 7:05d}"
            code = body + check_digit(body)
            assert code not in seen and len(code) == 13 and price > 0
            seen.add(code)
            rows.append((code, name, price, category))
    for k, (category, items) in enumerate(sorted(RESTRICTED.items())):
        company = f"{1101 + 37 * (len(ITEMS) + k):04d}"
        for i, (name, price, restriction) in enumerate(items):
            body = "899" + company + f"{10 * i + 7:05d}"
            code = body + check_digit(body)
            assert code not in seen and len(code) == 13 and price > 0
            seen.add(code)
            rows.append((code, name, price, category, restriction))
    for row in IN_STORE:
        code = row[0]
        assert code not in seen and (len(code) in (4, 5) or code[:-1] + check_digit(code[:-1]) == code)
        seen.add(code)
        if len(row) == 5:
            # The picture follows an empty restriction.
            row = row[:4] + ("", row[4])
        rows.append(row)
    with open(out, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        # Rows without a restriction or a picture leave those columns off.
        w.writerow(["barcode", "name", "price", "category", "restriction", "image"])
        w.writerows(rows)
    print(f"{len(rows)} products written to {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "assets/catalog.csv")
